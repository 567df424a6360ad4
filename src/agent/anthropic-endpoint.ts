/** Where and how to POST to the Anthropic Messages API: shared by our streaming and utility clients. */
export interface AnthropicEndpoint {
  url: string;
  headers: Record<string, string>;
  model: string;
}

export function anthropicEndpoint(options: {
  baseUrl: string;
  apiKey: string;
  model: string;
}): AnthropicEndpoint {
  return {
    url: `${options.baseUrl.replace(/\/+$/, '')}/v1/messages`,
    headers: {
      'content-type': 'application/json',
      'anthropic-version': '2023-06-01',
      'x-api-key': options.apiKey,
    },
    model: options.model,
  };
}

/** The token counts of a Messages API answer (or of its stream's start and end events). */
export interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

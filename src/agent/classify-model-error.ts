import { AppError } from '../util/app-error.ts';

/** The connection was never made: refused, no such host, no route. */
const unreachablePatterns = [
  /econnrefused/i,
  /enotfound/i,
  /eai_again/i,
  /getaddrinfo/i,
  /ehostunreach/i,
  /enetunreach/i,
  /unable to connect/i,
  /connection error/i,
];
/** The connection was made, then cut. */
const interruptedPatterns = [
  /econnreset/i,
  /socket (connection was )?closed unexpectedly/i,
  /connection was forcibly closed/i,
  /network socket disconnected/i,
  /other side closed/i,
  /terminated/i,
  /fetch failed/i,
];
const busyPattern = /overloaded/i;
const rateLimitPattern = /rate.?limit|too many requests/i;
const serverErrorStatuses = new Set([500, 502, 503, 504]);
/**
 * "Too long for the model" as providers word it: Anthropic ("prompt is too long"), OpenAI (old and
 * new wording, and its code), llama.cpp server ("exceeds the available context size", its error
 * type), vLLM and Mistral ("maximum context length"), Gemini's OpenAI endpoint ("input token
 * count … exceeds the maximum"), Ollama ("exceeds the context length").
 */
const promptTooLongPattern =
  /prompt is too long|context.{0,20}(length|window).{0,20}exceed|maximum context length|context_length_exceeded|exceed_context_size|exceeds? the (available |maximum )?context (size|length|window)|input token count.{0,40}exceeds the maximum/i;

/** "Too long for the model", with the model's context size in tokens when the provider said it. */
export class PromptTooLongError extends AppError {
  readonly contextTokens: number | null;

  constructor(options: { cause?: unknown; contextTokens: number | null }) {
    super('prompt_too_long', 'The conversation is too long for the model.', {
      cause: options.cause,
      retryable: false,
    });
    this.contextTokens = options.contextTokens;
  }
}

/** Where providers state the context size: "> 200000 maximum", "context size (8192 tokens)", "n_ctx": 8192… */
const contextSizePatterns = [
  /tokens? > (\d+) maximum/i,
  /maximum context length is (\d+)/i,
  /(\d+) maximum context length/i,
  /context size \((\d+) tokens\)/i,
  /"n_ctx"\s*:\s*(\d+)/i,
  /maximum number of tokens allowed \((\d+)\)/i,
  /context (?:window|length) of (?:only )?(\d+)/i,
];

/** The model's context size as the provider's error states it, if it does. */
export function statedContextTokens(message: string): number | null {
  for (const pattern of contextSizePatterns) {
    const tokens = Number(pattern.exec(message)?.[1]);
    if (Number.isSafeInteger(tokens) && tokens > 0) return tokens;
  }
  return null;
}

export interface ModelFailure {
  status?: number;
  message: string;
  cause?: unknown;
  /** The configured base URL's host, named when the provider cannot be reached. */
  providerHost?: string;
}

/**
 * Maps a provider failure to an AppError whose text says what happened. The provider's raw text
 * is kept only in `cause`, for the logs: it never reaches a client.
 */
export function classifyModelError(failure: ModelFailure): AppError {
  const { status, message, cause } = failure;
  const transient = (text: string) => new AppError('transient_api_error', text, { cause, retryable: true });
  if (isPromptTooLong(message))
    return new PromptTooLongError({ cause, contextTokens: statedContextTokens(message) });
  if (
    status === 401 ||
    status === 403 ||
    /authentication_error|invalid x-api-key|invalid api key/i.test(message)
  ) {
    return new AppError(
      'authentication_failed',
      'The model provider rejected the API key. Check the configured key and restart Autopilot.',
      { cause, retryable: false },
    );
  }
  if (status === 429 || rateLimitPattern.test(message)) {
    return transient('The model provider is rate limiting requests. Please try again shortly.');
  }
  if (status === 529 || busyPattern.test(message)) {
    return transient('The model provider is busy right now. Please try again in a moment.');
  }
  if (status === undefined && unreachablePatterns.some((pattern) => pattern.test(message))) {
    const where = failure.providerHost ? ` at ${failure.providerHost}` : '';
    return transient(
      `Autopilot cannot reach the model provider${where}. Check that it is running and that the configured address is right.`,
    );
  }
  if (status !== undefined && serverErrorStatuses.has(status)) {
    return transient('The model provider had a temporary problem. Please try again.');
  }
  // A stream cut after its 200 carries that status: the cut is what happened.
  if (interruptedPatterns.some((pattern) => pattern.test(message))) {
    return transient('The connection to the model provider was interrupted. Please try again.');
  }
  if (status === 408 || /timed? ?out|timeout/i.test(message)) {
    return transient('The model provider took too long to answer. Please try again.');
  }
  // The provider refused the request as it was built: the same request again fails the same way.
  if (status === 404) {
    return new AppError(
      'model_request_rejected',
      'The model provider does not know the configured model or address (HTTP 404). Check the model name and the base URL.',
      { cause, retryable: false },
    );
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new AppError(
      'model_request_rejected',
      `The model provider refused this request (HTTP ${status}). Sending it again would fail the same way; ` +
        "the server's log has the provider's reason.",
      { cause, retryable: false },
    );
  }
  return new AppError('model_error', 'The model provider returned an error. Please try again.', {
    cause,
    retryable: true,
  });
}

/** The host of a configured base URL, for error messages; null if it does not parse. */
export function hostOf(baseUrl: string): string | undefined {
  try {
    return new URL(baseUrl).host;
  } catch {
    return undefined;
  }
}

export function isPromptTooLong(message: string): boolean {
  return promptTooLongPattern.test(message);
}

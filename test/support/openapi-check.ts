import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { expect } from 'vitest';

type Json = Record<string, unknown>;
interface ResponseSpec {
  content?: Record<string, { schema: Json }>;
}
interface Operation {
  responses: Record<string, ResponseSpec>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json> };
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;
const methods = ['get', 'post', 'patch', 'put', 'delete'] as const;

/**
 * Checks real responses against an OpenAPI document: the status must be documented (an error may
 * fall under `default`), the media type must be one the document lists, and a JSON body must
 * validate against its schema. Records which operations were exercised.
 */
export class OpenApiChecker {
  readonly exercised = new Set<string>();
  readonly #document: Document;
  readonly #ajv = new Ajv2020({ strict: true, allErrors: true });
  readonly #compiled = new WeakMap<Json, ValidateFunction>();

  private constructor(document: Document) {
    this.#document = document;
    addFormats(this.#ajv);
  }

  /** Validates the document as OpenAPI 3.1, then resolves its `$ref`s for checking. */
  static async load(document: unknown): Promise<OpenApiChecker> {
    await SwaggerParser.validate(structuredClone(document) as never);
    const dereferenced = await SwaggerParser.dereference(structuredClone(document) as never);
    return new OpenApiChecker(dereferenced as never);
  }

  /** Every documented operation, as `METHOD /path`. */
  operations(): string[] {
    return Object.entries(this.#document.paths).flatMap(([path, item]) =>
      methods.filter((method) => item[method]).map((method) => `${method.toUpperCase()} ${path}`),
    );
  }

  /** A validator for `components.schemas[name]` (for frames of a stream). */
  component(name: string): ValidateFunction {
    const schema = this.#document.components.schemas[name];
    if (!schema) throw new Error(`No schema ${name} in the document`);
    return this.#validator(schema);
  }

  /** Checks the status and media type of a streamed response, leaving its body unread. */
  checkHead(operation: string, response: Response, status: number): void {
    expect(response.status, operation).toBe(status);
    this.exercised.add(operation);
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    this.#mediaOf(operation, response.status, mediaType);
  }

  /**
   * Checks one response of `operation` (`METHOD /path/{id}`), which must have `status`, and
   * returns its JSON body, if any.
   */
  async check(operation: string, response: Response, status: number): Promise<unknown> {
    if (response.status !== status) {
      throw new Error(`${operation} answered ${response.status}, not ${status}: ${await response.text()}`);
    }
    this.exercised.add(operation);
    const body = await response.text();
    const spec = this.#responseOf(operation, response.status);
    if (!spec.content) {
      expect(body, `${operation} ${response.status} has no documented body`).toBe('');
      return undefined;
    }
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const media = this.#mediaOf(operation, response.status, mediaType);
    if (mediaType !== 'application/json') return body;
    const value: unknown = JSON.parse(body);
    const validate = this.#validator(media.schema);
    if (!validate(value)) {
      throw new Error(
        `${operation} ${response.status} does not match its schema: ${this.#ajv.errorsText(validate.errors)}\n${body.slice(0, 2_000)}`,
      );
    }
    return value;
  }

  #responseOf(operation: string, status: number): ResponseSpec {
    const [method, path] = operation.split(' ') as [string, string];
    const responses = this.#document.paths[path]?.[method.toLowerCase()]?.responses;
    if (!responses) throw new Error(`${operation} is not in the document`);
    const spec = responses[String(status)] ?? (status >= 400 ? responses.default : undefined);
    if (!spec) throw new Error(`${operation} answered ${status}, which the document does not list`);
    return spec;
  }

  #mediaOf(operation: string, status: number, mediaType: string): { schema: Json } {
    const content = this.#responseOf(operation, status).content ?? {};
    const media = content[mediaType] ?? content['*/*'];
    if (!media)
      throw new Error(`${operation} ${status} answered ${mediaType}, which the document does not list`);
    return media;
  }

  #validator(schema: Json): ValidateFunction {
    let validate = this.#compiled.get(schema);
    if (!validate) {
      validate = this.#ajv.compile(schema);
      this.#compiled.set(schema, validate);
    }
    return validate;
  }
}

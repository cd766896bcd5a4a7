import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import type { Prerequisite } from './prerequisites';

/**
 * LINE's official OpenAPI files, read at test time from ../shared/line-openapi (never copied into
 * the project). LINE_OPENAPI_DIR points elsewhere. Without them the contract tests fail.
 */
export const OPENAPI_DIR = resolve(
  process.env.LINE_OPENAPI_DIR ?? join(__dirname, '..', '..', '..', 'shared', 'line-openapi'),
);

/** The contract tests need them; without them they fail (see prerequisites.ts). */
export const openApiFiles: Prerequisite = {
  present: existsSync(join(OPENAPI_DIR, 'webhook.yml')) && existsSync(join(OPENAPI_DIR, 'messaging-api.yml')),
  missing: `LINE's OpenAPI files are not in ${OPENAPI_DIR}: git clone https://github.com/line/line-openapi ${OPENAPI_DIR} (or set LINE_OPENAPI_DIR to a copy)`,
  optOut: 'LINE_GROUPS_SKIP_CONTRACT_TESTS',
};

type Schema = Record<string, unknown>;
/** A request or response body as an operation declares it. */
type Body = { content?: Record<string, { schema: { $ref?: string } }> };
interface Spec {
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, Schema> };
}

/** Ajv has no OpenAPI discriminator without oneOf; we follow the mapping ourselves (see `check`). */
function stripDiscriminators(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripDiscriminators);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => k !== 'discriminator')
        .map(([k, v]) => [k, stripDiscriminators(v)]),
    );
  }
  return value;
}

export class OpenApi {
  readonly spec: Spec;
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(file: 'webhook.yml' | 'messaging-api.yml' | 'manage-audience.yml') {
    this.spec = parse(readFileSync(join(OPENAPI_DIR, file), 'utf8')) as Spec;
    this.ajv.addSchema({ components: stripDiscriminators(this.spec.components) }, 'spec');
  }

  /** The schema a discriminator maps `value` to, e.g. Event + {type: 'join'} -> JoinEvent. */
  mapped(schemaName: string, value: Record<string, unknown>): string | undefined {
    const discriminator = this.spec.components.schemas[schemaName]?.discriminator as
      { propertyName: string; mapping: Record<string, string> } | undefined;
    const ref = discriminator?.mapping[String(value[discriminator.propertyName])];
    return ref?.split('/').pop();
  }

  /** Errors of `value` against a named schema, following its discriminator one level down. */
  errors(schemaName: string, value: unknown): string[] {
    let validate = this.validators.get(schemaName);
    if (!validate) {
      validate = this.ajv.getSchema(`spec#/components/schemas/${schemaName}`);
      if (!validate) throw new Error(`no schema ${schemaName}`);
      this.validators.set(schemaName, validate);
    }
    const errors = validate(value)
      ? []
      : (validate.errors ?? []).map((e) => `${schemaName}${e.instancePath} ${e.message}`);
    const sub =
      value && typeof value === 'object'
        ? this.mapped(schemaName, value as Record<string, unknown>)
        : undefined;
    return sub && sub !== schemaName ? [...errors, ...this.errors(sub, value)] : errors;
  }

  /** The operation for a concrete request, e.g. POST /v2/bot/group/C1/leave -> leaveGroup. */
  operation(
    method: string,
    path: string,
  ):
    { operationId: string; requestSchema?: string; responses: Record<string, Body | undefined> } | undefined {
    // A literal path wins over a template that would also match it (/audienceGroup/list, not /{id}).
    const paths = Object.entries(this.spec.paths).sort(
      ([a], [b]) => Number(a.includes('{')) - Number(b.includes('{')),
    );
    for (const [template, operations] of paths) {
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
      const op = operations[method.toLowerCase()] as
        { operationId: string; requestBody?: Body; responses?: Record<string, Body> } | undefined;
      if (op && pattern.test(path)) {
        const ref = op.requestBody?.content?.['application/json']?.schema.$ref;
        return {
          operationId: op.operationId,
          ...(ref && { requestSchema: ref.split('/').pop() }),
          responses: op.responses ?? {},
        };
      }
    }
    return undefined;
  }

  /**
   * The schema LINE documents for an answer to a concrete request, e.g. GET
   * /v2/bot/profile/U1 with 200 -> UserProfileResponse. An error status the operation does not
   * list is ErrorResponse: LINE's reference gives every error that one format. Undefined for an
   * undocumented request, or a success with no body.
   */
  responseSchema(method: string, path: string, status: number): string | undefined {
    const operation = this.operation(method, path);
    if (!operation) return undefined;
    const responses = operation.responses[String(status)];
    const ref = responses?.content?.['application/json']?.schema.$ref;
    if (ref) return ref.split('/').pop();
    return status >= 400 ? 'ErrorResponse' : undefined;
  }

  /**
   * A minimal value of a named schema: its required properties only, the first value of an enum,
   * the first subtype of a discriminated base that a property refers to. Callers check it with
   * `errors`, so a generator mistake shows as a failing test, never as a silent pass.
   */
  example(schemaName: string): Record<string, unknown> {
    return this.build({ $ref: `#/components/schemas/${schemaName}` }, false) as Record<string, unknown>;
  }

  private build(schema: Schema, followDiscriminator: boolean): unknown {
    const schemas = this.spec.components.schemas;
    if (typeof schema.$ref === 'string') {
      const target = schemas[schema.$ref.split('/').pop()!]!;
      const discriminator = target.discriminator as
        { propertyName: string; mapping: Record<string, string> } | undefined;
      if (followDiscriminator && discriminator) {
        const [key, ref] = Object.entries(discriminator.mapping)[0]!;
        const value = this.build({ $ref: ref }, false) as Record<string, unknown>;
        return { ...value, [discriminator.propertyName]: key };
      }
      return this.build(target, followDiscriminator);
    }
    if (Array.isArray(schema.allOf)) {
      return Object.assign({}, ...(schema.allOf as Schema[]).map((part) => this.build(part, false)));
    }
    if (Array.isArray(schema.enum)) return schema.enum[0];
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    switch (schema.type) {
      case 'string':
        return 'x';
      case 'integer':
      case 'number':
        return typeof schema.minimum === 'number' ? schema.minimum : 1;
      case 'boolean':
        return false;
      case 'array':
        return typeof schema.minItems === 'number' && schema.minItems > 0
          ? [this.build(schema.items as Schema, true)]
          : [];
      default:
        return Object.fromEntries(
          ((schema.required ?? []) as string[])
            .filter((name) => properties[name])
            .map((name) => [name, this.build(properties[name]!, true)]),
        );
    }
  }
}

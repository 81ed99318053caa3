import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { openApiDocument } from "@media/core/contract/openapi";

/**
 * Checks responses against the API's own OpenAPI document, generated from the same source the server
 * answers from: a test that receives a status the document does not list, or a body that does not match
 * its schema, fails with what was wrong. Routes outside the document (`/_local/*`) are not checked.
 */
export interface ResponseCheck {
  (method: string, url: string, status: number, body: unknown): void;
}

interface Operation {
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

export function openApiResponseCheck(): ResponseCheck {
  const document = openApiDocument();
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  // ajv-formats ships CommonJS: its default export arrives as the module under ESM interop.
  (addFormats as unknown as { default?: typeof addFormats }).default?.(ajv) ?? addFormats(ajv);
  ajv.addSchema({ $id: "openapi", components: document.components ?? {} });
  const routes = Object.entries(document.paths ?? {}).map(([template, item]) => ({
    pattern: new RegExp(`^${template.replace(/[.]/g, "\\.").replace(/\{\w+\}/g, "[^/]+")}$`),
    item: item as Record<string, Operation>,
  }));
  const compiled = new Map<unknown, ValidateFunction>();
  const validatorOf = (schema: unknown) => {
    let validate = compiled.get(schema);
    if (!validate) {
      validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')) as object);
      compiled.set(schema, validate);
    }
    return validate;
  };

  return (method, url, status, body) => {
    const path = new URL(url, "http://api").pathname;
    const operation = routes.find((r) => r.pattern.test(path))?.item[method.toLowerCase()];
    if (!operation) return;
    const response = operation.responses[String(status)];
    if (!response) throw new Error(`OpenAPI: ${method} ${path} answered ${status}, which the document does not list (${Object.keys(operation.responses).join(", ")}).`);
    const schema = response.content?.["application/json"]?.schema;
    if (!schema) {
      if (body !== undefined && body !== "") throw new Error(`OpenAPI: ${method} ${path} ${status} has a body the document does not describe.`);
      return;
    }
    const validate = validatorOf(schema);
    if (!validate(body)) {
      throw new Error(`OpenAPI: ${method} ${path} ${status} does not match the document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`);
    }
  };
}

/**
 * A fetch that checks every answer of the API at `apiUrl` against the document (storage and other
 * hosts pass through unchecked), for clients under test.
 */
export function checkedFetch(apiUrl: string): typeof fetch {
  const check = openApiResponseCheck();
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url;
    if (!url.startsWith(apiUrl) || response.headers.get("content-type")?.startsWith("text/event-stream")) return response;
    const text = await response.clone().text();
    let body: unknown = text === "" ? undefined : text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: checked as text, which only a route without a JSON answer accepts
    }
    check(init?.method ?? "GET", url, response.status, body);
    return response;
  };
}

import type { NativeAttributeValue } from "@aws-sdk/lib-dynamodb";

/**
 * Placeholders for every name and value, so no expression trips over DynamoDB's reserved words
 * (`size`, `status`…) or over names that start with a digit. One Expr per request: its placeholders are
 * the request's ExpressionAttributeNames and ExpressionAttributeValues.
 */
export class Expr {
  private readonly names = new Map<string, string>();
  private readonly values: Record<string, NativeAttributeValue> = {};
  private valueCount = 0;

  name(attribute: string): string {
    let placeholder = this.names.get(attribute);
    if (!placeholder) {
      placeholder = `#n${this.names.size}`;
      this.names.set(attribute, placeholder);
    }
    return placeholder;
  }

  value(value: NativeAttributeValue): string {
    const placeholder = `:v${this.valueCount++}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  /** `attribute = value`, or `attribute_not_exists(attribute)` for an undefined value. */
  equals(attribute: string, value: NativeAttributeValue | undefined): string {
    return value === undefined ? `attribute_not_exists(${this.name(attribute)})` : `${this.name(attribute)} = ${this.value(value)}`;
  }

  params(): ExpressionParams {
    const params: ExpressionParams = {};
    if (this.names.size > 0) params.ExpressionAttributeNames = Object.fromEntries([...this.names].map(([attr, ph]) => [ph, attr]));
    if (this.valueCount > 0) params.ExpressionAttributeValues = this.values;
    return params;
  }
}

export interface ExpressionParams {
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, NativeAttributeValue>;
}

/** An update's SET and REMOVE clauses, joined as DynamoDB wants them. */
export function updateExpression(set: string[], remove: string[] = [], add: string[] = []): string {
  return [set.length ? `SET ${set.join(", ")}` : "", remove.length ? `REMOVE ${remove.join(", ")}` : "", add.length ? `ADD ${add.join(", ")}` : ""]
    .filter(Boolean)
    .join(" ");
}

export function definedOnly<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

import { randomUUID } from 'node:crypto';

/** Namespaces of the AWS Query protocol responses, per service. */
export const NAMESPACES = {
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
} as const;

export type Service = keyof typeof NAMESPACES;

/** The API version each service's requests must carry. */
export const API_VERSIONS: Record<Service, string> = { iam: '2010-05-08', sts: '2011-06-15' };

/** An error AWS would return: HTTP status, error code and message. */
export class AwsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
  }
}

export type XmlValue = string | number | boolean | undefined | XmlValue[] | { [element: string]: XmlValue };

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Serializes a value as Query-protocol XML: objects become elements, arrays become `<member>` lists. */
export function toXml(value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value)
      .filter(([, child]) => child !== undefined)
      .map(([element, child]) => `<${element}>${toXml(child)}</${element}>`)
      .join('');
  }
  return escapeXml(String(value));
}

export function successResponse(service: Service, action: string, result: XmlValue, requestId = randomUUID()): string {
  const body = result === undefined ? '' : `<${action}Result>${toXml(result)}</${action}Result>`;
  return (
    `<${action}Response xmlns="${NAMESPACES[service]}">${body}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function errorResponse(service: Service, error: AwsError, requestId = randomUUID()): string {
  return (
    `<ErrorResponse xmlns="${NAMESPACES[service]}"><Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code>` +
    `<Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

import type { APIGatewayProxyEvent } from 'aws-lambda';
import { signature } from './simulator/webhook-events';

/** The API Gateway REST proxy event Lambda receives for an HTTP request, so local runs call the same handler. */
export function apiGatewayEvent(request: {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: Buffer;
}): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = value;
  // API Gateway passes text bodies as text; base64 is what it does for binary media types.
  const isText = Buffer.from(request.body.toString('utf8'), 'utf8').equals(request.body);
  return {
    httpMethod: request.method,
    path: request.path,
    resource: request.path,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    isBase64Encoded: !isText,
    body:
      request.body.length === 0
        ? null
        : isText
          ? request.body.toString('utf8')
          : request.body.toString('base64'),
    requestContext: {
      httpMethod: request.method,
      path: request.path,
      stage: 'local',
      requestId: crypto.randomUUID(),
      requestTimeEpoch: Date.now(),
    } as APIGatewayProxyEvent['requestContext'],
  };
}

/** `POST /webhook` with a body signed as LINE signs it, as API Gateway hands it to the function. */
export function signedWebhookEvent(body: Buffer, channelSecret: string): APIGatewayProxyEvent {
  return apiGatewayEvent({
    method: 'POST',
    path: '/webhook',
    headers: { 'x-line-signature': signature(body, channelSecret) },
    body,
  });
}

import type { FastifyReply } from 'fastify';
import { ApiProblem, PROBLEMS, type ProblemType } from './problem.js';

/** Fastify's own errors carry a status and a code (FST_ERR_...). */
interface FrameworkError {
  readonly statusCode?: number;
  readonly code?: string;
  readonly message: string;
}

/**
 * Any error as the problem to answer: ours as they are; fastify's by status
 * (413 body limit, 415, 400 broken request) with a detail the client can act
 * on; anything else is a 500 `internal` whose detail says nothing of our code.
 */
export function toProblem(err: unknown, bodyLimit: number): ApiProblem {
  if (err instanceof ApiProblem) return err;
  const e = (err ?? {}) as FrameworkError;
  switch (e.statusCode) {
    case 413:
      return new ApiProblem('too-large', `The body is over this route's limit of ${bodyLimit} bytes`, { limit: bodyLimit });
    case 415:
      return new ApiProblem('unsupported-media-type', e.message);
    case undefined:
      break;
    default: {
      if (e.statusCode >= 400 && e.statusCode < 500) return new ApiProblem(kindOf(e.statusCode), e.message);
    }
  }
  return new ApiProblem('internal', 'The server failed to answer this request; the error is logged');
}

/** The catalogue's first type with this status; a 4xx we have no type for is `bad-request`. */
function kindOf(status: number): ProblemType {
  const found = (Object.keys(PROBLEMS) as ProblemType[]).find((k) => PROBLEMS[k].status === status);
  return found ?? 'bad-request';
}

/** Send a problem as `application/problem+json` (RFC 9457 §3) with its headers (Retry-After, WWW-Authenticate, Allow). */
export function sendProblem(reply: FastifyReply, problem: ApiProblem): FastifyReply {
  for (const [name, value] of Object.entries(problem.headers)) void reply.header(name, value);
  return reply.code(problem.status).header('cache-control', 'no-store').type('application/problem+json').send(Buffer.from(JSON.stringify(problem.body())));
}

import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';
import { redactErrorText, redactValue } from './redact.js';

/**
 * JSON logs (pino) behind Nest's LoggerService, one per process, tagged with the service name. Every
 * argument of every call, through this class or `.pino` directly, is redacted first (./redact.ts): no
 * call site can put a task's headers, body, URL query or SQL parameters into a log line.
 */
export class AppLogger implements LoggerService {
  readonly pino: Logger;

  constructor(service: string, level = 'info') {
    this.pino = pino({
      level,
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Errors arrive here already redacted into plain objects (redactError): print them as they are.
      serializers: { err: (err: unknown) => err },
      hooks: {
        logMethod(args, method) {
          const [first, ...rest] = args.map((arg) => redactValue(arg));
          // pino.warn(error) logs { err }; the redacted copy is a plain object, so say so ourselves.
          const merged =
            args[0] instanceof Error
              ? [{ err: first }, ...(rest.length ? rest : [(first as Error).message])]
              : [first, ...rest];
          method.apply(this, merged as Parameters<typeof method>);
        },
      },
    });
  }

  log(message: unknown, context?: string) {
    this.write('info', message, context);
  }
  error(message: unknown, trace?: string, context?: string) {
    if (message instanceof Error) this.pino.error({ context, err: message });
    // Nest passes an error's stack as `trace`; its first line is the message, which may quote values.
    else this.pino.error({ context, trace: trace && redactErrorText(trace) }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.write('warn', message, context);
  }
  debug(message: unknown, context?: string) {
    this.write('debug', message, context);
  }
  verbose(message: unknown, context?: string) {
    this.write('trace', message, context);
  }
  fatal(message: unknown, context?: string) {
    this.write('fatal', message, context);
  }

  private write(level: 'info' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, context?: string) {
    if (message instanceof Error) this.pino[level]({ context, err: message });
    else if (message !== null && typeof message === 'object') this.pino[level]({ context, ...message });
    else this.pino[level]({ context }, String(message));
  }
}

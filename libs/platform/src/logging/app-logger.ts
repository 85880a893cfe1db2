import type { LoggerService } from '@nestjs/common';
import { pino, type Logger } from 'pino';

/** JSON logs (pino) behind Nest's LoggerService, one per process, tagged with the service name. */
export class AppLogger implements LoggerService {
  readonly pino: Logger;

  constructor(service: string, level = 'info') {
    this.pino = pino({
      level,
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['*.authorization', '*.headers.authorization', '*.signingSecret', '*.key'],
        censor: '[redacted]',
      },
    });
  }

  log(message: unknown, context?: string) {
    this.write('info', message, context);
  }
  error(message: unknown, trace?: string, context?: string) {
    this.pino.error({ context, trace }, String(message));
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
    if (message !== null && typeof message === 'object') this.pino[level]({ context, ...message });
    else this.pino[level]({ context }, String(message));
  }
}

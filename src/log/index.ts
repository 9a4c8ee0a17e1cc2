export { createLogger, prettyStream, silentLogger, type LogFormat, type Logger } from './logger.js';

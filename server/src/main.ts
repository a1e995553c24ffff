/** `npm start`: reads the environment, starts the hub, stops it cleanly on SIGTERM/SIGINT. */
import { ConfigError, loadConfig } from './config.js';
import { startHub } from './Hub.js';
import { createLogger } from './logger.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  if (config.jwt.usingDevelopmentSecret) {
    log.warn(
      '!!! CASEROOM_JWT_SECRET is not set: using the built-in development secret. Anyone can mint tokens. Set CASEROOM_JWT_SECRET (NODE_ENV=production requires it). !!!',
    );
  }
  const hub = await startHub(config, { log });
  log.info(
    { url: hub.url, port: hub.port, host: config.host, store: hub.store.kind, dataDir: config.dataDir, devLogin: config.devLogin },
    'hub listening',
  );

  const stop = (signal: string): void => {
    log.info({ signal }, 'shutting down');
    setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    hub.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

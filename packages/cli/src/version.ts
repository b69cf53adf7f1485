import manifest from '../package.json' with { type: 'json' }

/** The version of `@leadcall/cli`, as `leadcall --version` prints it. */
export const CLI_VERSION: string = manifest.version

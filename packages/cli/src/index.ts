/**
 * The leadcall command line, `leadcall`, and its commands as functions:
 *
 * - `leadcall demo` ({@link demoCommand}, {@link runDemo}): the demo on the embedded defaults;
 * - `leadcall import <file.csv> --url <base-url>` ({@link importCommand}, {@link uploadCsv}): a CSV
 *   file streamed to a server's `POST /leads/import`;
 * - `leadcall simulate` ({@link simulateCommand}, {@link runSimulation}): distribution strategies
 *   compared on the same traffic, through the real pipeline on virtual time;
 * - `leadcall stats --url <base-url>` ({@link statsCommand}, {@link fetchStats}): a server's figures.
 *
 * {@link runCli} runs a command line and resolves with its exit code ({@link EXIT_CODES}).
 *
 * @packageDocumentation
 */
export {
  type DemoCommandOptions,
  type DemoPercentiles,
  type DemoReport,
  demoCommand,
  demoReport,
} from './demo/demo-command.js'
export {
  type AgentRow,
  type DemoOptions,
  type DemoProgress,
  type DemoSummary,
  runDemo,
} from './demo/run-demo.js'
export { demoAgents, sampleAgents, sampleLeads } from './demo/sample-data.js'
export type { ServerOptions } from './http/server-client.js'
export { formatImportSummary, type ImportCommandOptions, importCommand } from './import/import-command.js'
export { type UploadCsvOptions, uploadCsv } from './import/upload-csv.js'
export type { CliIo, CliStream } from './io.js'
export { EXIT_CODES, runCli } from './run-cli.js'
export type { PickUpRange } from './simulate/population.js'
export {
  type DurationSummary,
  runSimulation,
  type SimulationOptions,
  type SimulationReport,
  type SimulationSettings,
  type StrategyResult,
  simulationSettings,
} from './simulate/run-simulation.js'
export {
  formatSimulationReport,
  type SimulateCommandOptions,
  simulateCommand,
} from './simulate/simulate-command.js'
export {
  isSimulatedStrategyName,
  SIMULATED_STRATEGIES,
  SIMULATED_STRATEGY_NAMES,
  type SimulatedStrategyName,
} from './simulate/strategies.js'
export { coefficientOfVariation, percentile } from './stats/percentile.js'
export { fetchStats, formatStats, type StatsCommandOptions, statsCommand } from './stats/stats-command.js'
export { CLI_VERSION } from './version.js'

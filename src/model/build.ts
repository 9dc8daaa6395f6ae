/**
 * Timeline → model. Each part is a pure function over the records (tasks, storage, files, I/O
 * balance); this module assembles them and keeps the output deterministic.
 */
import type { Timeline } from '../timeline/build.js';
import type { Model } from './types.js';
import { buildTasks } from './tasks.js';
import { buildStorage } from './storage.js';
import { buildFiles } from './files.js';
import { buildIoBalance, devicesByProcess } from './io.js';

export const MODEL_SCHEMA_ID = 'https://perftriage.dev/schemas/model.schema.json';
export const MODEL_VERSION = '1.0.0';

export function buildModel(timeline: Timeline): Model {
  const records = timeline.records;
  const tasks = buildTasks(records);
  const storage = buildStorage(records);
  const files = buildFiles(records, storage.mounts, tasks.threads);
  return {
    schema: MODEL_SCHEMA_ID,
    version: MODEL_VERSION,
    bundle: timeline.bundle,
    processes: tasks.processes,
    threads: tasks.threads,
    fds: files.fds,
    files: files.files,
    patterns: files.patterns,
    mounts: storage.mounts,
    devices: storage.devices,
    links: [...tasks.links, ...storage.links, ...files.links],
    io_balance: buildIoBalance(records, storage.devices, devicesByProcess(files.files, storage.mounts)),
    diagnostics: [...tasks.diagnostics, ...files.diagnostics],
  };
}

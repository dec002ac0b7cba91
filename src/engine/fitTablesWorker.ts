// Worker-thread entry: formats one range of matrix rows of the fit tables (pixel_fits.csv, the map CSVs) from the
// shared results while the main thread judges the fits, and writes its part of every file (report/fitTables.ts).
// It may be started ahead of its scan: its job is its first message.
import { parentPort } from 'worker_threads';
import { FitTablesData, runFitTablesWorker } from './report/fitTables';

parentPort!.once('message', (data: FitTablesData) => runFitTablesWorker(data, parentPort!));

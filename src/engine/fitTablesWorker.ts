// Worker-thread entry: formats one range of matrix rows of the fit tables (pixel_fits.csv, the map CSVs) from the
// shared results while the main thread judges the fits, and writes its part of every file when the main thread
// sends the extra quantities (report/fitTables.ts).
import { parentPort, workerData } from 'worker_threads';
import { FitTablesData, runFitTablesWorker } from './report/fitTables';

runFitTablesWorker(workerData as FitTablesData, parentPort!);

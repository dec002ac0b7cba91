// Worker-thread entry: writes fit tables (pixel_fits.csv, the map CSVs) from the shared results array while the
// main thread judges the fits and writes the rest (fitOutputs.writeFitTables). Each task is one file name.
import * as fs from 'fs';
import * as path from 'path';
import { parentPort, workerData } from 'worker_threads';
import { FitTablesData, fitTableText } from './fitOutputs';

const data = workerData as FitTablesData;
parentPort!.on('message', (file: string) => {
  fs.writeFileSync(path.join(data.dir, file), fitTableText(file, data.results, data.shape, data.extra));
  parentPort!.postMessage(null);
});

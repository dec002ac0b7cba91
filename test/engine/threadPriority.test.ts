// The live watch's publication thread lowers its own priority (and its children's) below the watch's reading.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as os from 'os';
import { Worker } from 'worker_threads';
import { PUBLICATION_NICE, thisThreadNice } from '../../src/engine/live/threadPriority';

test('a thread lowers its own priority; threads it starts inherit it; the starting thread keeps its own', { skip: os.platform() !== 'linux' }, async () => {
  const before = thisThreadNice();
  assert.equal(typeof before, 'number');
  const modulePath = require.resolve('../../src/engine/live/threadPriority');
  const script = `
    const { parentPort, Worker } = require('worker_threads');
    const { lowerThisThreadPriority, thisThreadNice } = require(${JSON.stringify(modulePath)});
    const lowered = lowerThisThreadPriority();
    const child = new Worker('const p = require(${JSON.stringify(modulePath)}); require("worker_threads").parentPort.postMessage(p.thisThreadNice())', { eval: true });
    child.once('message', childNice => { parentPort.postMessage({ lowered, nice: thisThreadNice(), childNice }); child.terminate(); });`;
  const worker = new Worker(script, { eval: true });
  const reply = await new Promise<{ lowered: boolean; nice: number; childNice: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  assert.deepEqual(reply, { lowered: true, nice: Math.max(PUBLICATION_NICE, before!), childNice: Math.max(PUBLICATION_NICE, before!) });
  assert.equal(thisThreadNice(), before, 'the test\'s own thread is untouched');
});

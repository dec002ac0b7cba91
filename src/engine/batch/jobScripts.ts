// The job scripts of a batch: one Slurm array job (task i analyses manifest line i+1), one collect job, and the
// submit script that chains them (`--dependency=afterok:<array job>`). `--scheduler local` runs the very same
// scripts with bash, so a local run and a cluster run execute identical commands.
import { BatchConfig, BatchLayout } from './batchLayout';

/** A word for bash, single-quoted (safe for any path). */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The Slurm array range: `0-11%4`, or a list of indices for a resubmission (`3,7%4`). */
export function arraySpec(indices: number[] | { count: number }, maxParallel: number): string {
  const list = Array.isArray(indices) ? compressIndices(indices) : indices.count === 1 ? '0' : `0-${indices.count - 1}`;
  return `${list}%${maxParallel}`;
}

/** 3,4,5,9 → `3-5,9` (Slurm's own syntax; keeps long resubmission lists short). */
export function compressIndices(indices: number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b), parts: string[] = [];
  for (let k = 0; k < sorted.length;) {
    let j = k;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === k ? `${sorted[k]}` : `${sorted[k]}-${sorted[j]}`);
    k = j + 1;
  }
  return parts.join(',');
}

/** An #SBATCH value: sbatch reads these lines itself, and takes a double-quoted value with spaces whole. */
function sbatchValue(value: string): string {
  if (/["\n]/.test(value)) throw new Error(`${JSON.stringify(value)}: quotes and line breaks cannot go into an #SBATCH line`);
  return /\s/.test(value) ? `"${value}"` : value;
}

function slurmResourceLines(config: BatchConfig): string[] {
  const lines = [`#SBATCH --cpus-per-task=${config.cpusPerTask}`];
  if (config.slurm.partition) lines.push(`#SBATCH --partition=${sbatchValue(config.slurm.partition)}`);
  if (config.slurm.time) lines.push(`#SBATCH --time=${sbatchValue(config.slurm.time)}`);
  if (config.slurm.mem) lines.push(`#SBATCH --mem=${sbatchValue(config.slurm.mem)}`);
  return lines;
}

/** Ends a job: the exit code goes to its marker (written then renamed: never half a marker) and is returned. */
const EXIT_WITH_MARKER = `printf '%s\\n' "$rc" > "$marker.tmp.$$" && mv -f "$marker.tmp.$$" "$marker"
exit "$rc"`;

export function arrayJobScript(layout: BatchLayout, config: BatchConfig): string {
  const analyse = [shellQuote(config.node), shellQuote(config.cli), 'analyse', '"$folder"', '--scan', '"$scan"', '--out', '"$out"',
    '--workers', '"${SLURM_CPUS_PER_TASK:-1}"', ...config.analyseArgs.map(shellQuote)].join(' ');
  return `#!/bin/bash
# velo-calib batch: array task i analyses the scan on line i+1 of manifest.tsv (data folder, scan id, output
# folder) and writes its exit code to logs/task-<i>.exit. \`velo-calib batch --scheduler local\` runs this same
# script with SLURM_ARRAY_TASK_ID and SLURM_CPUS_PER_TASK set.
#SBATCH --job-name=velo-calib
#SBATCH --array=${arraySpec({ count: config.tasks }, config.maxParallel)}
#SBATCH --output=${sbatchValue(`${layout.logs}/task-%a.log`)}
${slurmResourceLines(config).join('\n')}
set -u
i="\${SLURM_ARRAY_TASK_ID:?run as a Slurm array task or by velo-calib batch --scheduler local}"
marker=${shellQuote(layout.logs)}/task-"$i".exit
rm -f "$marker"
IFS=$'\\t' read -r folder scan out < <(sed -n "$((i + 1))p" ${shellQuote(layout.manifest)})
if [ -z "\${out:-}" ]; then
  echo "velo-calib batch: task $i: no line $((i + 1)) in ${layout.manifest}"
  rc=2
else
  echo "velo-calib batch: task $i: scan $scan in $folder -> $out (host $(hostname), $(date -u +%Y-%m-%dT%H:%M:%SZ))"
  ${analyse}
  rc=$?
fi
${EXIT_WITH_MARKER}
`;
}

export function collectJobScript(layout: BatchLayout, config: BatchConfig): string {
  return `#!/bin/bash
# velo-calib batch: after every array task succeeded, one campaign table over all results (collect).
#SBATCH --job-name=velo-calib-collect
#SBATCH --output=${sbatchValue(layout.collectLog)}
${slurmResourceLines({ ...config, cpusPerTask: 1 }).join('\n')}
set -u
marker=${shellQuote(layout.collectMarker)}
rm -f "$marker"
${shellQuote(config.node)} ${shellQuote(config.cli)} collect ${shellQuote(layout.dir)} --out ${shellQuote(layout.dir)}
rc=$?
${EXIT_WITH_MARKER}
`;
}

/** Submits the array (every task, or the indices given as $1 such as `3,7`) and the collect job after it;
 * `submit.sh collect` submits collect alone. */
export function submitScript(layout: BatchLayout, config: BatchConfig): string {
  return `#!/bin/bash
# velo-calib batch: submits analyse.sbatch (all tasks, or only the indices in $1, e.g. 3,7) and collect.sbatch,
# which starts once every one of those tasks succeeded; appends "<array job> <collect job> <indices>" to jobs.tsv.
set -euo pipefail
cd ${shellQuote(layout.dir)}
if [ "\${1:-}" = collect ]; then
  collect_job=$(sbatch --parsable collect.sbatch)
  collect_job=\${collect_job%%;*}
  printf -- '-\\t%s\\tnone\\n' "$collect_job" >> jobs.tsv
  echo "submitted collect job $collect_job"
  exit 0
fi
array_range=()
if [ $# -gt 0 ]; then array_range=(--array="$1%${config.maxParallel}"); fi
array_job=$(sbatch --parsable "\${array_range[@]}" analyse.sbatch)
array_job=\${array_job%%;*}
collect_job=$(sbatch --parsable --dependency=afterok:"$array_job" collect.sbatch)
collect_job=\${collect_job%%;*}
printf '%s\\t%s\\t%s\\n' "$array_job" "$collect_job" "\${1:-all}" >> jobs.tsv
echo "submitted array job $array_job (tasks \${1:-${arraySpec({ count: config.tasks }, config.maxParallel)}}) and collect job $collect_job (--dependency=afterok:$array_job)"
`;
}

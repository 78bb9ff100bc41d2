/**
 * `hindsight verify REC...`: checks every segment's sha256 against its
 * manifest and each manifest's hash chain, and names every finding (altered,
 * missing, extra, unverifiable segments; edited, removed or moved manifest
 * lines). Exit code 6 when there is any finding.
 */
import type { Command } from 'commander';
import { verifyRecording } from '../analyze/verify.js';
import { FindingsError } from './exit-codes.js';
import { openForCommand } from './recording-args.js';

/** Adds `verify` to the CLI. */
export function registerVerifyCommand(cli: Command): void {
  cli.command('verify')
    .description("check segments' sha256 against the manifest and the manifest's hash chain")
    .argument('<recordings...>', 'recording folders, host folders, segments or globs')
    .action(async (paths: string[]) => {
      const { session, rec } = await openForCommand(paths, {}, false);
      session.close();
      const report = await verifyRecording(rec);
      for (const n of report.notes) process.stdout.write(`note: ${n}\n`);
      for (const f of report.findings) process.stdout.write(`${f.kind}: ${f.path}: ${f.detail}\n`);
      process.stdout.write(`${report.verified} segment(s) verified, ${report.entries} manifest entries in ${rec.manifests.length} manifest(s); ${report.findings.length} finding(s)\n`);
      if (report.findings.length > 0) throw new FindingsError(`verify: ${report.findings.length} finding(s): the recording was altered or damaged`);
    });
}

/**
 * Scripted activity for the demo and the capture tests: a known set of
 * process, file and network actions run in a fresh directory by one shell
 * whose pid is returned, so a recording can be searched for exactly this
 * activity on a busy host (by the shell's process tree and the unique dir).
 * DNS goes out twice: sendto with an address, and sendmsg on a connected
 * socket (as glibc's resolver does), the second for "msg.<name>".
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the activity did, for checking a recording against. */
export interface ActivityReport {
  /** The shell that ran everything (root of the activity's process tree). */
  shellPid: number;
  /** Unique directory every file action happened in (realpath). */
  dir: string;
  /** Port of the local TCP listener the activity connected to. */
  tcpPort: number;
  /** DNS name queried over UDP to 127.0.0.1:53. */
  dnsName: string;
  exitCode: number;
  stdout: string;
}

/** The shell script; `$1` is the work dir, `$2` the TCP port, `$3` the DNS name. */
export const ACTIVITY_SCRIPT = String.raw`set -e
cd "$1"
/bin/echo hindsight-demo "two words" --flag=1
./greet.sh alpha beta
echo data > created.txt
mv created.txt renamed.txt
chmod 640 renamed.txt
mkdir subdir
ln -s renamed.txt link.txt
rm link.txt renamed.txt
/nonexistent/hindsight-missing-binary 2>/dev/null || true
python3 -c 'import os; fd = os.memfd_create("hindsight-memfd"); os.write(fd, open("/bin/true", "rb").read()); os.execv("/proc/self/fd/%d" % fd, ["memfd-true"])'
python3 -c '
import socket, struct, sys
port, name = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port)); s.sendall(b"hello"); s.close()
q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\x00" + struct.pack(">HH", 1, 1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.sendto(q, ("127.0.0.1", 53)); u.close()
m = struct.pack(">HHHHHH", 0x4321, 0x0100, 1, 0, 0, 0) + b"\x03msg" + q[12:]
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); c.connect(("127.0.0.1", 53)); c.sendmsg([m]); c.close()
' "$2" "$3"
`;

const GREET_SCRIPT = '#!/bin/sh\necho "greetings from $0: $*"\n';

/** Starts a TCP listener on 127.0.0.1 that accepts and drains connections. */
export function startListener(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer((sock) => { sock.resume(); sock.on('error', () => {}); });
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      if (addr === null || typeof addr === 'string') reject(new Error('activity: listener has no port'));
      else resolve({ server, port: addr.port });
    });
  });
}

/** Runs the scripted activity and waits for it to finish. */
export async function runActivity(): Promise<ActivityReport> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'hindsight-activity-')));
  writeFileSync(join(dir, 'greet.sh'), GREET_SCRIPT);
  chmodSync(join(dir, 'greet.sh'), 0o755);
  const { server, port } = await startListener();
  const dnsName = `${dir.split('-').pop()!.toLowerCase()}.hindsight.test`;
  try {
    const child = spawn('/bin/bash', ['-c', ACTIVITY_SCRIPT, 'activity', dir, String(port), dnsName], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve(code ?? -1));
    });
    return { shellPid: child.pid!, dir, tcpPort: port, dnsName, exitCode, stdout };
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
}

/**
 * The helper process behind the pty server, in Python because Node has no pty API. It opens a
 * pseudo-terminal, sets it raw at 115200, and talks to us over pipes. Its stdin carries bytes for
 * the tool (written to the master; dropped while no tool has the pty open). Its stdout carries
 * framed messages, a type byte + u32 LE length + payload:
 *   'P' the slave's path, once;
 *   'O' / 'C' a tool opened / closed the pty (the master reads EIO while nobody holds the slave);
 *   'B' u32 speed the tool set on the slave (termios is shared by the pair, docs/bk7231n-download-protocol.md §14.2),
 *       whenever it changes — from TCGETS2, exact for any rate, else tcgetattr's B-constants;
 *   'D' bytes the tool wrote.
 */
export const PTY_HELPER_PY = `
import errno, fcntl, os, select, struct, sys, termios, time, tty
master, slave = os.openpty()
tty.setraw(slave)
a = termios.tcgetattr(slave)
a[4] = a[5] = termios.B115200
termios.tcsetattr(slave, termios.TCSANOW, a)
path = os.ttyname(slave)
os.close(slave)
out = sys.stdout.buffer
def send(kind, payload=b''):
    out.write(kind + struct.pack('<I', len(payload)) + payload)
    out.flush()
BCONST = {getattr(termios, n): int(n[1:]) for n in dir(termios) if n.startswith('B') and n[1:].isdigit()}
TCGETS2 = 0x802C542A
def speed():
    try:
        buf = fcntl.ioctl(master, TCGETS2, bytes(44))
        v = struct.unpack_from('<I', buf, 40)[0]
        if v > 0:
            return v
    except OSError:
        pass
    return BCONST.get(termios.tcgetattr(master)[5], 0)
send(b'P', path.encode())
os.set_blocking(master, False)
pending = bytearray()
last = None
connected = False
while True:
    if not connected:
        try:
            data = os.read(master, 65536)
            connected = True
        except BlockingIOError:
            data = b''
            connected = True
        except OSError as e:
            if e.errno != errno.EIO:
                raise
            data = b''
        if connected:
            last = None
            send(b'O')
        rr, _, _ = select.select([0], [], [], 0 if connected else 0.005)
        if 0 in rr:
            if not os.read(0, 65536):
                break
        if not connected:
            continue
        if data:
            sp = speed()
            last = sp
            send(b'B', struct.pack('<I', sp))
            send(b'D', data)
    rr, ww, _ = select.select([master, 0], [master] if pending else [], [], 0.005)
    sp = speed()
    if sp != last:
        last = sp
        send(b'B', struct.pack('<I', sp))
    if master in rr:
        try:
            data = os.read(master, 65536)
        except BlockingIOError:
            data = b''
        except OSError as e:
            if e.errno != errno.EIO:
                raise
            connected = False
            pending.clear()
            send(b'C')
            continue
        if data:
            send(b'D', data)
    if 0 in rr:
        data = os.read(0, 65536)
        if not data:
            break
        if connected:
            pending += data
    if pending:
        try:
            n = os.write(master, pending)
            del pending[:n]
        except BlockingIOError:
            pass
        except OSError as e:
            if e.errno != errno.EIO:
                raise
            pending.clear()
`;

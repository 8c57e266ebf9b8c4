#!/usr/bin/python3
"""Print the TLS 1.2 cipher suites of the first ClientHello sent to us.

usage: client_hello.py PORTFILE

Listens on a free loopback port (written to PORTFILE), accepts one
connection, reads one TLS record (RFC 8446 5.1) holding a ClientHello
(RFC 8446 4.1.2: version, random, session id, cipher suites) and prints its
cipher suites as 4-digit hex codes, sorted, without the TLS 1.3 suites
(13xx) and the renegotiation SCSV (00ff): what a client offers for TLS 1.2.
"""
import socket
import sys

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(1)
srv.settimeout(10)
with open(sys.argv[1], "w") as f:
    f.write(f"{srv.getsockname()[1]}\n")
conn, _ = srv.accept()
conn.settimeout(5)
data = b""
while len(data) < 5 or len(data) < 5 + int.from_bytes(data[3:5], "big"):
    chunk = conn.recv(65536)
    if not chunk:
        break
    data += chunk
if len(data) < 5 or data[0] != 0x16:
    sys.exit("client_hello.py: no TLS handshake record")
hello = data[5:]
pos = 4 + 2 + 32
pos += 1 + hello[pos]
n = int.from_bytes(hello[pos:pos + 2], "big")
pos += 2
suites = sorted({hello[pos + i:pos + i + 2].hex() for i in range(0, n, 2)})
print(" ".join(s for s in suites if not s.startswith("13") and s != "00ff"))

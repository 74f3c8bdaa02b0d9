"""
A throw-away impacket SMB server for the effect-smb tests (SMB 2.0.2, one share, one user).

Usage: smbserver.py HOST SHARE_NAME SHARE_PATH USER LOG_FILE, with the password in the
environment (IMPACKET_PASSWORD), never on the command line. Listens on HOST at a free port
chosen by the kernel and prints "READY <port>" once it accepts connections; runs until signalled.
"""
import os
import sys

from impacket import ntlm, smbserver


def main():
    host, share_name, share_path, user, log_file = sys.argv[1:6]
    password = os.environ["IMPACKET_PASSWORD"]
    server = smbserver.SimpleSMBServer(listenAddress=host, listenPort=0)
    server.setSMB2Support(True)
    server.setLogFile(log_file)
    server.addShare(share_name, share_path, "effect-smb test share")
    server.addCredential(user, 1000, "", ntlm.compute_nthash(password).hex())
    # SimpleSMBServer keeps its socketserver private; the port the kernel chose is read there.
    port = server._SimpleSMBServer__server.server_address[1]
    print("READY %d" % port, flush=True)
    server.start()


if __name__ == "__main__":
    main()

"""A real IMAP server for the mailbox tests: Debian's dovecot (make system-packages), run
unprivileged on a free loopback port with its own configuration, users and maildir."""

import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from mailboxes.models import Mailbox
from tests.factories import currencies, lead_statuses, sales_pipeline

LOGIN, PASSWORD = "crm", "secret"
CONFIG = """
protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
instance_name = crm-test-{port}
log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
first_valid_uid = {mail_uid}
mail_location = maildir:{users}/mail/%u
passdb {{
  driver = passwd-file
  args = {users}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={users}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        """Put a message into the folder as a mail server would (IMAP APPEND)."""
        with imaplib.IMAP4(self.host, self.port, timeout=10) as client:
            client.login(LOGIN, PASSWORD)
            status, answer = client.append(folder, None, None, raw)
            assert status == "OK", answer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_greeting(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"dovecot exited: {log.read_text() if log.exists() else ''}")
        try:
            with imaplib.IMAP4("127.0.0.1", port, timeout=2) as client:
                client.login(LOGIN, PASSWORD)
                return
        except (OSError, imaplib.IMAP4.error):
            time.sleep(0.1)
    pytest.fail(f"dovecot did not answer: {log.read_text() if log.exists() else ''}")


@pytest.fixture
def imap_server(tmp_path):
    dovecot = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.path.exists(dovecot):
        pytest.fail("dovecot is not installed: run `make system-packages`")
    port = _free_port()
    if os.getuid() == 0:
        # dovecot will not serve mail, read its users or log in as root: the package's own
        # users do, on files outside the root-only pytest directory
        internal, login = "dovecot", "dovenull"
        users_and_mail = Path(tempfile.mkdtemp(prefix="crm-test-dovecot-"))
        shutil.chown(users_and_mail, user=internal, group=internal)
    else:
        internal = login = pwd.getpwuid(os.getuid()).pw_name
        users_and_mail = tmp_path
    mail_user = pwd.getpwnam(internal)
    (users_and_mail / "passwd").write_text(f"{LOGIN}:{{PLAIN}}{PASSWORD}::::::\n")
    config = tmp_path / "dovecot.conf"
    config.write_text(CONFIG.format(
        base=tmp_path, users=users_and_mail, port=port, internal_user=internal, login_user=login,
        internal_group=grp.getgrgid(mail_user.pw_gid).gr_name, mail_uid=mail_user.pw_uid,
        mail_gid=mail_user.pw_gid,
    ))  # fmt: skip
    process = subprocess.Popen([dovecot, "-F", "-c", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        _wait_for_greeting(port, process, tmp_path / "dovecot.log")
        yield ImapServer(host="127.0.0.1", port=port)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if users_and_mail != tmp_path:
            shutil.rmtree(users_and_mail, ignore_errors=True)


@pytest.fixture
def crm_setup(db):
    """What leads and deals need: currencies, lead statuses, a default pipeline."""
    currencies()
    lead_statuses()
    return sales_pipeline()


@pytest.fixture
def mailbox(imap_server, crm_setup):
    return Mailbox.objects.create(
        name="Sales inbox", host=imap_server.host, port=imap_server.port,
        security=Mailbox.Security.PLAIN, login=LOGIN, password=PASSWORD,
    )  # fmt: skip

"""A single-node KRaft Apache Kafka run from the Maven Central jars with Java 17."""

from __future__ import annotations

import base64
import contextlib
import ctypes
import fcntl
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from shared.config import KafkaSettings

KAFKA_VERSION = "3.9.1"
SCALA_VERSION = "2.13"
# reload4j/slf4j binding: the broker jar leaves the logging backend to the distribution.
_EXTRA_DEPENDENCIES = (
    ("ch.qos.reload4j", "reload4j", "1.2.25"),
    ("org.slf4j", "slf4j-reload4j", "1.7.36"),
)
START_TIMEOUT_SECONDS = 90

log = logging.getLogger("deploy.kafka")


def cache_dir() -> Path:
    """Where the jars live between runs: outside the work tree, shared by every checkout."""
    root = os.environ.get("MEDMASSAGE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "medmassage"
    )
    return Path(root) / f"kafka_{SCALA_VERSION}-{KAFKA_VERSION}"


def _pom() -> str:
    deps = [("org.apache.kafka", f"kafka_{SCALA_VERSION}", KAFKA_VERSION), *_EXTRA_DEPENDENCIES]
    rendered = "".join(
        f"<dependency><groupId>{g}</groupId><artifactId>{a}</artifactId>"
        f"<version>{v}</version></dependency>"
        for g, a, v in deps
    )
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<groupId>medmassage</groupId><artifactId>kafka-runtime</artifactId><version>1</version>"
        f"<dependencies>{rendered}</dependencies></project>"
    )


def ensure_jars() -> Path:
    """Download the broker and its dependencies once; return the directory of jars.

    Several test sessions (``make test`` runs three) may ask at once on a fresh machine:
    one downloads while the others wait on a lock, then find the marker.
    """
    libs = cache_dir() / "libs"
    marker = cache_dir() / ".complete"
    if marker.exists():
        return libs
    work = cache_dir()
    work.mkdir(parents=True, exist_ok=True)
    with open(work / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists():
            return libs
        if shutil.which("mvn") is None:
            raise RuntimeError("Maven (mvn) is needed to fetch the Kafka jars; install maven")
        (work / "pom.xml").write_text(_pom())
        log.info("downloading kafka jars", extra={"kafka_version": KAFKA_VERSION})
        subprocess.run(
            ["mvn", "-q", "-B", "-f", str(work / "pom.xml"), "dependency:copy-dependencies",
             f"-DoutputDirectory={libs}", "-DincludeScope=runtime"],
            check=True,
        )
        marker.touch()
    return libs


def free_port() -> int:
    """A TCP port on loopback nobody is listening on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _cluster_id() -> str:
    """A random KRaft cluster id that the storage tool cannot mistake for an option."""
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not candidate.startswith("-"):
            return candidate


def _die_with_parent() -> None:
    # The broker must not outlive a test run that is killed: ask Linux to send it
    # SIGTERM when the Python process that started it goes away (PR_SET_PDEATHSIG).
    os.setsid()
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


# -- TLS material made with the JDK's keytool -------------------------------------------------

SCRAM_MECHANISM = "SCRAM-SHA-512"
CERTIFICATE_VALIDITY_DAYS = 7
# keytool is a short-lived JVM: the client compiler alone and the serial collector start it
# faster, and EC P-256 keys are made in a fraction of the time of RSA-2048 ones.
_KEYTOOL = ("keytool", "-J-XX:TieredStopAtLevel=1", "-J-XX:+UseSerialGC")


def _run_all(*commands: list[str]) -> None:
    """Run independent commands at once; raise with the stderr of the first that fails."""
    processes = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for c in commands
    ]
    failures = []
    for command, process in zip(commands, processes, strict=True):
        out, err = process.communicate()
        if process.returncode != 0:
            failures.append(f"{' '.join(command[:6])} ...: {(err or out).decode(errors='replace')}")
    if failures:
        raise RuntimeError("; ".join(failures))


def _genkeypair(keystore: Path, password: str, alias: str, dname: str, *ext: str) -> list[str]:
    return [
        *_KEYTOOL, "-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", dname, "-validity", str(CERTIFICATE_VALIDITY_DAYS), *ext,
        "-keystore", str(keystore), "-storetype", "PKCS12", "-storepass", password,
    ]


def _exportcert(keystore: Path, password: str, alias: str, pem: Path) -> list[str]:
    return [
        *_KEYTOOL, "-exportcert", "-rfc", "-alias", alias, "-file", str(pem),
        "-keystore", str(keystore), "-storepass", password,
    ]


_CA_EXTENSIONS = ("-ext", "bc:c", "-ext", "KU:c=keyCertSign,cRLSign")


@dataclass(frozen=True)
class CertificateAuthority:
    """A throw-away CA: its key pair in a PKCS12 keystore and its certificate as PEM."""

    keystore: Path
    password: str = field(repr=False)
    certificate: Path  # PEM: what a Python client passes as ssl_cafile
    alias: str = "ca"


def make_certificate_authority(
    directory: Path, name: str = "medmassage test CA"
) -> CertificateAuthority:
    """A self-signed CA certificate (CA:true, keyCertSign) and its key, made with keytool."""
    ca = _planned_ca(directory)
    _run_all(_genkeypair(ca.keystore, ca.password, ca.alias, f"CN={name}", *_CA_EXTENSIONS))
    _run_all(_exportcert(ca.keystore, ca.password, ca.alias, ca.certificate))
    return ca


def _planned_ca(directory: Path) -> CertificateAuthority:
    directory.mkdir(parents=True, exist_ok=True)
    return CertificateAuthority(
        keystore=directory / "ca.p12",
        password=secrets.token_hex(16),
        certificate=directory / "ca.pem",
    )


@dataclass(frozen=True)
class BrokerTls:
    """What a SASL_SSL listener serves: a keystore with its key and CA-signed chain."""

    ca: CertificateAuthority
    keystore: Path
    password: str = field(repr=False)


def make_broker_tls(directory: Path) -> BrokerTls:
    """A CA and a broker key pair for 127.0.0.1/localhost signed by it, with keytool only.

    CA and broker key pairs are generated side by side; the broker's certificate request
    is signed with ``keytool -gencert`` (SAN ip:127.0.0.1, dns:localhost; serverAuth), and
    the signed chain (broker, CA) replaces the self-signed one in the broker's keystore.
    """
    ca = _planned_ca(directory)
    tls = BrokerTls(ca=ca, keystore=directory / "broker.p12", password=secrets.token_hex(16))
    request, signed = directory / "broker.csr", directory / "broker.pem"
    _run_all(
        _genkeypair(ca.keystore, ca.password, ca.alias, "CN=medmassage test CA",
                    *_CA_EXTENSIONS),
        _genkeypair(tls.keystore, tls.password, "broker", "CN=localhost"),
    )
    _run_all(
        _exportcert(ca.keystore, ca.password, ca.alias, ca.certificate),
        [*_KEYTOOL, "-certreq", "-alias", "broker", "-file", str(request),
         "-keystore", str(tls.keystore), "-storepass", tls.password],
    )
    _run_all([
        *_KEYTOOL, "-gencert", "-rfc", "-alias", ca.alias, "-infile", str(request),
        "-outfile", str(signed), "-validity", str(CERTIFICATE_VALIDITY_DAYS),
        "-ext", "SAN=ip:127.0.0.1,dns:localhost",
        "-ext", "KU:c=digitalSignature", "-ext", "EKU=serverAuth",
        "-keystore", str(ca.keystore), "-storepass", ca.password,
    ])
    chain = directory / "broker-chain.pem"
    chain.write_text(signed.read_text() + ca.certificate.read_text())
    _run_all([
        *_KEYTOOL, "-importcert", "-noprompt", "-alias", "broker", "-file", str(chain),
        "-keystore", str(tls.keystore), "-storepass", tls.password,
    ])
    return tls


@dataclass(frozen=True)
class SecureListener:
    """The broker's SASL_SSL listener and what a client needs to use it."""

    port: int
    username: str
    password: str = field(repr=False)
    ca_file: Path  # PEM of the CA that signed the broker's certificate
    mechanism: str = SCRAM_MECHANISM

    @property
    def bootstrap_servers(self) -> str:
        """The listener's address."""
        return f"127.0.0.1:{self.port}"

    def client_settings(self, **overrides: object) -> KafkaSettings:
        """KafkaSettings for this listener: SASL_SSL, SCRAM, verified against our CA."""
        values: dict[str, object] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": self.mechanism,
            "sasl_username": self.username,
            "sasl_password": self.password,
            "ssl_cafile": str(self.ca_file),
            **overrides,
        }
        return KafkaSettings(**values)  # type: ignore[arg-type]

    def environment(self) -> dict[str, str]:
        """The KAFKA_* variables a service process or medmassage-ops reads (README)."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
            "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "KAFKA_SASL_MECHANISM": self.mechanism,
            "KAFKA_SASL_USERNAME": self.username,
            "KAFKA_SASL_PASSWORD": self.password,
            "KAFKA_SSL_CAFILE": str(self.ca_file),
        }


class LocalKafka:
    """Format, start, wait for and stop one KRaft broker+controller on loopback.

    ``secure=True`` adds a ``SASL_SSL`` listener beside the PLAINTEXT one: a certificate
    for 127.0.0.1/localhost signed by a CA made for this broker (``make_broker_tls``) and
    SCRAM-SHA-512 credentials written into the metadata log at format time. The
    PLAINTEXT listener stays for the broker's own traffic; ``secure_listener`` says how
    clients reach the SASL_SSL one.
    """

    def __init__(self, port: int | None = None, secure: bool = False,
                 username: str = "medmassage") -> None:
        self.port = port or free_port()
        self.controller_port = free_port()
        self.bootstrap_servers = f"127.0.0.1:{self.port}"
        self.secure = secure
        self.secure_port = free_port() if secure else None
        self._username = username
        self._password = secrets.token_hex(16)
        self._tls: BrokerTls | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._dir: Path | None = None

    @property
    def secure_listener(self) -> SecureListener:
        """How clients reach the SASL_SSL listener (after start())."""
        if self.secure_port is None or self._tls is None:
            raise RuntimeError("no SASL_SSL listener: use LocalKafka(secure=True) and start()")
        return SecureListener(
            port=self.secure_port,
            username=self._username,
            password=self._password,
            ca_file=self._tls.ca.certificate,
        )

    def _listener_props(self) -> dict[str, str]:
        plain = f"PLAINTEXT://127.0.0.1:{self.port}"
        controller = f"CONTROLLER://127.0.0.1:{self.controller_port}"
        if self.secure_port is None:
            return {
                "listeners": f"{plain},{controller}",
                "advertised.listeners": plain,
                "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            }
        assert self._tls is not None
        secure = f"SASL_SSL://127.0.0.1:{self.secure_port}"
        prefix = "listener.name.sasl_ssl."
        return {
            "listeners": f"{plain},{secure},{controller}",
            "advertised.listeners": f"{plain},{secure}",
            "listener.security.protocol.map": (
                "PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT"
            ),
            "sasl.enabled.mechanisms": SCRAM_MECHANISM,
            f"{prefix}{SCRAM_MECHANISM.lower()}.sasl.jaas.config": (
                "org.apache.kafka.common.security.scram.ScramLoginModule required;"
            ),
            f"{prefix}ssl.keystore.type": "PKCS12",
            f"{prefix}ssl.keystore.location": str(self._tls.keystore),
            f"{prefix}ssl.keystore.password": self._tls.password,
            f"{prefix}ssl.key.password": self._tls.password,
            # Clients authenticate with SCRAM, not certificates; the CA is the truststore
            # should mutual TLS be wanted later.
            f"{prefix}ssl.truststore.type": "PEM",
            f"{prefix}ssl.truststore.location": str(self._tls.ca.certificate),
            f"{prefix}ssl.client.auth": "none",
            "ssl.enabled.protocols": "TLSv1.3,TLSv1.2",
        }

    def _write_config(self, directory: Path) -> Path:
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            **self._listener_props(),
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "log.dirs": str(directory / "data"),
            "num.partitions": "3",
            "auto.create.topics.enable": "true",
            # A single node: every internal topic has one replica, and fewer offset
            # partitions make the first consumer-group join fast.
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "6",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
        }
        path = directory / "server.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        (directory / "log4j.properties").write_text(
            "log4j.rootLogger=WARN, file\n"
            "log4j.appender.file=org.apache.log4j.FileAppender\n"
            f"log4j.appender.file.File={directory / 'kafka.log'}\n"
            "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
            "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
            # Refused TLS handshakes and SASL logins ("Failed authentication with ...")
            # are INFO lines of the network selector: keep them where a listener checks them.
            + ("log4j.logger.org.apache.kafka.common.network.Selector=INFO\n" if self.secure
               else "")
        )
        return path

    @property
    def log_file(self) -> Path:
        """The broker's log (WARN and up; with secure=True also failed authentications)."""
        if self._dir is None:
            raise RuntimeError("the broker has not been started")
        return self._dir / "kafka.log"

    def _java(self, directory: Path, main: str, *args: str) -> list[str]:
        return [
            "java",
            "-Xms128m",
            "-Xmx768m",
            "-XX:+UseG1GC",
            f"-Dlog4j.configuration=file:{directory / 'log4j.properties'}",
            "-cp",
            f"{ensure_jars()}/*",
            main,
            *args,
        ]

    def start(self) -> None:
        """Format a fresh data directory, start the broker and wait until it serves metadata."""
        if shutil.which("java") is None:
            raise RuntimeError("Java 17 is needed for the local Kafka broker")
        self._dir = Path(tempfile.mkdtemp(prefix="medmassage-kafka-"))
        format_args = ["format", "-t", _cluster_id()]
        if self.secure:
            if shutil.which("keytool") is None:
                raise RuntimeError("the JDK's keytool is needed for the SASL_SSL listener")
            self._tls = make_broker_tls(self._dir / "tls")
            # KRaft keeps SCRAM credentials in the metadata log: they are written at
            # format time, so the listener accepts them from the first connection on.
            format_args += [
                "--add-scram",
                f"{SCRAM_MECHANISM}=[name={self._username},password={self._password}]",
            ]
        config = self._write_config(self._dir)
        _run_all(self._java(self._dir, "kafka.tools.StorageTool", *format_args, "-c", str(config)))
        self._process = subprocess.Popen(
            self._java(self._dir, "kafka.Kafka", str(config)),
            stdout=subprocess.DEVNULL,
            stderr=open(self._dir / "stderr.log", "wb"),  # noqa: SIM115
            preexec_fn=_die_with_parent,
        )
        self._wait_until_serving()

    def _wait_until_serving(self) -> None:
        from kafka import KafkaAdminClient

        # Every listener clients use must answer, the SASL_SSL one with its credentials.
        waiting = [(self.port, KafkaSettings(bootstrap_servers=self.bootstrap_servers))]
        if self.secure:
            listener = self.secure_listener
            waiting.append((listener.port, listener.client_settings()))
        last_error: Exception | None = None
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while waiting and time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"kafka exited early; see {self._dir}/kafka.log")
            port, settings = waiting[0]
            # Knock on the port first: a client would log each refused connection of a
            # broker that is still booting as an error, and back off for seconds.
            if not _port_open(port):
                time.sleep(0.1)
                continue
            try:
                admin = KafkaAdminClient(
                    **settings.client_options(), request_timeout_ms=2000,
                    bootstrap_timeout_ms=5000,
                )
                try:
                    admin.list_topics()
                    waiting.pop(0)
                finally:
                    admin.close()
            except Exception as error:  # not up yet: connection refused, no metadata, ...
                last_error = error
                time.sleep(0.25)
        if waiting:
            self.stop()
            raise RuntimeError(
                f"kafka did not serve metadata on port {waiting[0][0]} within "
                f"{START_TIMEOUT_SECONDS}s (last error: {last_error!r})"
            )

    def kill(self) -> None:
        """SIGKILL the broker (fault tests); its data stays for restart()."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def restart(self) -> None:
        """Start the broker again on the same ports and data after stop_process()/kill()."""
        assert self._dir is not None
        self._process = subprocess.Popen(
            self._java(self._dir, "kafka.Kafka", str(self._dir / "server.properties")),
            stdout=subprocess.DEVNULL,
            stderr=open(self._dir / "stderr.log", "ab"),  # noqa: SIM115
            preexec_fn=_die_with_parent,
        )
        self._wait_until_serving()

    def stop_process(self) -> None:
        """Stop the broker cleanly, keeping its data so restart() can bring it back."""
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None

    def stop(self) -> None:
        """Stop the broker and delete its data directory."""
        self.stop_process()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

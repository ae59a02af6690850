"""A single-node KRaft Apache Kafka run from the Maven Central jars with Java 17."""

from __future__ import annotations

import base64
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

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
    """Download the broker and its dependencies once; return the directory of jars."""
    libs = cache_dir() / "libs"
    marker = cache_dir() / ".complete"
    if marker.exists():
        return libs
    if shutil.which("mvn") is None:
        raise RuntimeError("Maven (mvn) is needed to fetch the Kafka jars; install maven")
    work = cache_dir()
    work.mkdir(parents=True, exist_ok=True)
    (work / "pom.xml").write_text(_pom())
    log.info("downloading kafka jars", extra={"kafka_version": KAFKA_VERSION})
    subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-f",
            str(work / "pom.xml"),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={libs}",
            "-DincludeScope=runtime",
        ],
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


class LocalKafka:
    """Format, start, wait for and stop one KRaft broker+controller on loopback."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.controller_port = free_port()
        self.bootstrap_servers = f"127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._dir: Path | None = None

    def _write_config(self, directory: Path) -> Path:
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": (
                f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}"
            ),
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
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
        )
        return path

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
        config = self._write_config(self._dir)
        cluster_id = _cluster_id()
        subprocess.run(
            self._java(
                self._dir, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config)
            ),
            check=True,
            capture_output=True,
        )
        self._process = subprocess.Popen(
            self._java(self._dir, "kafka.Kafka", str(config)),
            stdout=subprocess.DEVNULL,
            stderr=open(self._dir / "stderr.log", "wb"),  # noqa: SIM115
            preexec_fn=_die_with_parent,
        )
        self._wait_until_serving()

    def _wait_until_serving(self) -> None:
        from kafka import KafkaAdminClient

        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"kafka exited early; see {self._dir}/kafka.log")
            # Knock on the port first: a client would log each refused connection of a
            # broker that is still booting as an error, and back off for seconds.
            if not _port_open(self.port):
                time.sleep(0.1)
                continue
            try:
                admin = KafkaAdminClient(
                    bootstrap_servers=self.bootstrap_servers, request_timeout_ms=2000
                )
                try:
                    admin.list_topics()
                    return
                finally:
                    admin.close()
            except Exception:  # not up yet: connection refused, no metadata, ...
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"kafka did not serve metadata within {START_TIMEOUT_SECONDS}s")

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

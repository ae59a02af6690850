"""Find or start a real Apache Kafka broker: env var, then Docker, then local jars.

Resolution order (ARCHITECTURE.md, "Broker"):
1. ``KAFKA_BOOTSTRAP_SERVERS`` is set -> use that cluster, start nothing.
2. a Docker engine answers -> testcontainers' Kafka module.
3. otherwise a single-node KRaft broker from the Apache Kafka jars on Maven Central,
   cached outside the work tree and run with its data in a temporary directory.
"""

from deploy.kafka.broker import Broker, obtain_broker

__all__ = ["Broker", "obtain_broker"]

#!/usr/bin/env bash
# The RabbitMQ write path, change stream and apps/consumer need a broker on 127.0.0.1:5672.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/../services/rabbitmq.sh"

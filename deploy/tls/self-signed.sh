#!/bin/sh
# A self-signed certificate for https://localhost, to try the docker-compose stack on one machine (browsers warn
# about it: accept it once). Production mounts the real certificate and key here under the same names
# (fullchain.pem, privkey.pem); neither file is ever committed (.gitignore).
set -eu
cd "$(dirname "$0")"
openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -keyout privkey.pem -out fullchain.pem
chmod 600 privkey.pem
echo "deploy/tls/fullchain.pem and deploy/tls/privkey.pem written (self-signed, for localhost)."

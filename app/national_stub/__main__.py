"""``python -m app.national_stub --host 127.0.0.1 --port N --data PATH --key KEY`` (see the package docstring)."""

import argparse

from app.national.records import MAX_REQUEST_BYTES


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app.national_stub",
                                     description="Máy chủ mô phỏng cơ sở dữ liệu CBCCVC quốc gia (để kiểm thử).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0: a free port (printed on the first line)")
    parser.add_argument("--data", required=True, help="the SQLite file (made when missing)")
    parser.add_argument("--key", required=True, help="the connection key (X-API-Key)")
    parser.add_argument("--control-key", default=None, help="X-Control-Key of /_control (default: --key)")
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second (0: no limit)")
    parser.add_argument("--burst", type=int, default=40)
    parser.add_argument("--max-body", type=int, default=MAX_REQUEST_BYTES, help="largest request body (bytes)")
    parser.add_argument("--tls-cert", default=None, help="PEM certificate (HTTPS)")
    parser.add_argument("--tls-key", default=None, help="PEM key of --tls-cert")
    parser.add_argument("--client-ca", default=None, help="require client certificates signed by this CA (mTLS)")
    parser.add_argument("--quiet", action="store_true", help="no request log")
    args = parser.parse_args(argv)

    from app.national_stub import serve

    serve(args.host, args.port, args.data, args.key, control_key=args.control_key, quiet=args.quiet,
          tls_cert=args.tls_cert, tls_key=args.tls_key, client_ca=args.client_ca, rate=args.rate,
          burst=args.burst, max_body=args.max_body)


if __name__ == "__main__":
    main()

"""``flask national-stub --host 127.0.0.1 --port N --data PATH --key KEY``: the stand-in national CBCCVC database
(``app/national_stub``, a separate small server with its own SQLite file) for tests and demos; the same as
``python -m app.national_stub``. ``--port 0`` picks a free port, printed on the first line."""

import click

from app.national.records import MAX_REQUEST_BYTES

__all__ = ["national_stub_command"]


@click.command("national-stub")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8765, show_default=True, help="0: một cổng trống (in ở dòng đầu).")
@click.option("--data", required=True, type=click.Path(dir_okay=False), help="Tệp SQLite lưu dữ liệu đã nhận.")
@click.option("--key", required=True, help="Khóa kết nối (tiêu đề X-API-Key).")
@click.option("--control-key", default=None, help="Khóa của /_control (mặc định: --key).")
@click.option("--rate", type=float, default=20.0, show_default=True, help="Số yêu cầu mỗi giây (0: không giới hạn).")
@click.option("--burst", type=int, default=40, show_default=True)
@click.option("--max-body", type=int, default=MAX_REQUEST_BYTES, show_default=True,
              help="Nội dung yêu cầu lớn nhất (byte).")
@click.option("--tls-cert", default=None, type=click.Path(exists=True, dir_okay=False), help="Chứng thư PEM (HTTPS).")
@click.option("--tls-key", default=None, type=click.Path(exists=True, dir_okay=False), help="Khóa PEM của --tls-cert.")
@click.option("--client-ca", default=None, type=click.Path(exists=True, dir_okay=False),
              help="Bắt buộc chứng thư máy khách do CA này cấp (mTLS).")
@click.option("--quiet", is_flag=True, help="Không ghi nhật ký từng yêu cầu.")
def national_stub_command(host, port, data, key, control_key, rate, burst, max_body, tls_cert, tls_key, client_ca,
                          quiet) -> None:
    """Máy chủ mô phỏng cơ sở dữ liệu CBCCVC quốc gia (hợp đồng /v1, để kiểm thử và trình diễn)."""
    from app.national_stub import serve

    serve(host, port, data, key, control_key=control_key, quiet=quiet, tls_cert=tls_cert, tls_key=tls_key,
          client_ca=client_ca, rate=rate, burst=burst, max_body=max_body, echo=click.echo)

"""``flask gen-city``: a deterministic synthetic city on PostgreSQL for scale tests and the bench (issue 6)."""

import click

__all__ = ["gen_city_command"]


@click.command("gen-city")
@click.option("--people", type=int, required=True, help="Number of people (e.g. 250000).")
@click.option("--units", type=int, default=10_000, show_default=True, help="Approximate number of org units.")
@click.option("--seed", type=int, default=2026, show_default=True, help="Random seed (same seed, same city).")
@click.option("--force", is_flag=True, help="Clear people, units and unit-attached accounts first.")
@click.option("--workers", type=int, default=2, show_default=True, help="Processes generating rows.")
def gen_city_command(people: int, units: int, seed: int, force: bool, workers: int) -> None:
    """Generate ~UNITS units in 4 levels and PEOPLE full files with one personal account each (bulk COPY)."""
    from app.seeds.gen_city import SECTION_TABLES, GenCityError, gen_city

    try:
        s = gen_city(people, units=units, seed=seed, force=force, workers=workers, log=click.echo)
    except GenCityError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    click.echo(f"Đơn vị: {s['units']} ({', '.join(f'cấp {k}: {v}' for k, v in sorted(s['levels'].items()))})")
    click.echo(f"Hồ sơ: {s['people']}; dòng các bảng lặp: {s['section_rows']} "
               f"({s['section_rows'] / max(1, s['people']):.1f}/người)")
    for table in SECTION_TABLES:
        click.echo(f"  {table:<18} {s['rows'].get(table, 0):>10}")
    click.echo(f"Tài khoản: {s['accounts']} (cá nhân {s['people']}; bench: {', '.join(s['bench_users'])}, "
               "mật khẩu Demo@2026)")
    uid, name, size = s["big_unit"]
    click.echo(f"Đơn vị lớn (cấp 2): id={uid} {name}: {size} người trong cây con")
    click.echo("Thời gian: " + ", ".join(f"{k} {v:.1f} s" for k, v in s["timings"].items()))

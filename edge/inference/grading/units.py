"""Unit symbols students write, mapped explicitly onto pint units.

Only symbols in ``UNIT_SYMBOLS`` are accepted; pint never sees student text,
only the unit names of this table. pint is imported once, on first use,
because its import and registry cost about half a second.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

from edge.inference.grading import nodes as n
from edge.inference.grading.errors import AnswerSyntaxError

UNIT_SYMBOLS: dict[str, str] = {
    # length
    "km": "kilometer",
    "m": "meter",
    "dm": "decimeter",
    "cm": "centimeter",
    "mm": "millimeter",
    "μm": "micrometer",
    "um": "micrometer",
    "nm": "nanometer",
    "千米": "kilometer",
    "米": "meter",
    "分米": "decimeter",
    "厘米": "centimeter",
    "毫米": "millimeter",
    # time
    "h": "hour",
    "min": "minute",
    "s": "second",
    "ms": "millisecond",
    "小时": "hour",
    "分钟": "minute",
    "分": "minute",
    "秒": "second",
    # mass
    "t": "metric_ton",
    "kg": "kilogram",
    "g": "gram",
    "mg": "milligram",
    "吨": "metric_ton",
    "千克": "kilogram",
    "克": "gram",
    "毫克": "milligram",
    # volume
    "L": "liter",
    "l": "liter",
    "mL": "milliliter",
    "ml": "milliliter",
    "升": "liter",
    "毫升": "milliliter",
    # force, pressure, energy, power
    "N": "newton",
    "kN": "kilonewton",
    "牛": "newton",
    "Pa": "pascal",
    "hPa": "hectopascal",
    "kPa": "kilopascal",
    "MPa": "megapascal",
    "帕": "pascal",
    "mmHg": "millimeter_Hg",
    "cmHg": "centimeter_Hg",
    "J": "joule",
    "kJ": "kilojoule",
    "焦": "joule",
    "W": "watt",
    "kW": "kilowatt",
    "MW": "megawatt",
    "瓦": "watt",
    "kWh": "kilowatt_hour",
    # temperature, angle, sound
    "℃": "degree_Celsius",
    "K": "kelvin",
    "°": "degree",
    "Hz": "hertz",
    "kHz": "kilohertz",
    "赫": "hertz",
    "dB": "sound_decibel",
    "分贝": "sound_decibel",
    # electricity (grade 9, but students meet them early)
    "V": "volt",
    "A": "ampere",
    "mA": "milliampere",
    "Ω": "ohm",
}
"""Every unit symbol the grader reads, and the pint unit it stands for."""

_lock = threading.Lock()


@cache
def registry() -> Any:
    """The one pint registry, created on first use."""
    with _lock:
        # Imported here: pint costs about half a second to load.
        import pint

        ureg: Any = pint.UnitRegistry()
        # Sound level in dB is logarithmic; it is graded only against itself.
        ureg.define("sound_decibel = [sound_level]")
        return ureg


def pint_unit(unit: n.Unit) -> Any:
    """The pint unit of a parsed unit; ℃ inside a compound means a difference."""
    ureg = registry()
    result = ureg.dimensionless
    compound = len(unit.factors) > 1 or unit.factors[0][1] != 1
    for symbol, power in unit.factors:
        name = UNIT_SYMBOLS.get(symbol)
        if name is None:
            raise AnswerSyntaxError(
                f"unknown unit {symbol!r}", f"无法识别的单位：{symbol}"
            )
        if compound and name == "degree_Celsius":
            name = "delta_degree_Celsius"
        result = result * ureg.Unit(name) ** power
    return result


def same_unit(a: n.Unit, b: n.Unit) -> bool:
    """True if two written units are the same unit (℃ and °C alike, order aside)."""
    return _canonical(a) == _canonical(b)


def _canonical(unit: n.Unit) -> dict[str, int]:
    powers: dict[str, int] = {}
    for symbol, power in unit.factors:
        name = UNIT_SYMBOLS.get(symbol, symbol)
        powers[name] = powers.get(name, 0) + power
    return {k: v for k, v in powers.items() if v}


def convert(value: float, unit: n.Unit, target: n.Unit) -> float | None:
    """``value`` in ``unit`` expressed in ``target``, or None if not convertible."""
    ureg = registry()
    source_unit, target_unit = pint_unit(unit), pint_unit(target)
    if source_unit.dimensionality != target_unit.dimensionality:
        return None
    quantity = ureg.Quantity(value, source_unit)
    return float(quantity.to(target_unit).magnitude)

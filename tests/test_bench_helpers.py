"""The benchmarks' own helpers: the ratio-first figure they print, and counting a sink's record as it grows."""

from bench._common import ratio_figure
from bench.delivery_throughput import LineCount


def test_a_figure_reads_ratio_first_then_both_times():
    assert (
        ratio_figure("first scan", 1.2461, "floor", 0.1199, 18)
        == "first scan / floor = 10.4x (target <= 18x): 1246.1 ms vs 119.9 ms"
    )
    assert (
        ratio_figure("unread_count", 0.000454, "SELECT 1", 0.000142, 6)
        == "unread_count / SELECT 1 = 3.2x (target <= 6x): 0.454 ms vs 0.142 ms"
    )
    assert ratio_figure("q=smith", 0.0143, "floor", 0.0018, None).startswith("q=smith / floor = 7.9x (no target):")
    below_one = ratio_figure("ours p95", 0.0146, "(b) p95", 0.1004, 1.0)
    assert below_one.startswith("ours p95 / (b) p95 = 0.15x (target <= 1x)")  # two decimals below 1


def test_a_record_is_counted_by_its_complete_lines_as_it_grows(tmp_path):
    record = tmp_path / "sink-b.txt"
    at_sink = LineCount(str(record))
    assert at_sink() == 0  # the sink has not written it yet
    with open(record, "a", encoding="utf-8") as f:
        f.write("<1.Aroha.Ngātiwai@clinic.example.org>\n<2@clinic.example.org>\n<3@clinic")
    assert at_sink() == 2  # the third is still being written
    with open(record, "a", encoding="utf-8") as f:
        f.write(".example.org>\n")
    assert at_sink() == 3
    assert at_sink() == 3

import json
import subprocess
import sys

import pytest


@pytest.mark.slow
def test_bench_documents_json():
    out = subprocess.run(
        [sys.executable, "-m", "hikkoshi.cli", "bench", "documents", "--json", "--seconds", "1", "--warmup", "0.5"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    for key in ("name", "throughput", "baseline_throughput", "ratio", "p50_ms", "p99_ms", "bar"):
        assert key in result, key
    assert result["name"] == "documents"
    assert result["throughput"] > 0 and result["baseline_throughput"] > 0
    assert result["ratio"] == pytest.approx(result["throughput"] / result["baseline_throughput"], rel=1e-2)
    assert result["errors"] == 0
    in_pages = result["bar"]["p50_in_blank_pages"]  # the bar is a ratio to the same run's blank page
    assert in_pages["value"] == result["p50_in_blank_pages"]
    assert in_pages["value"] == pytest.approx(result["p50_ms"] / result["baseline_p50_ms"], abs=0.01)
    assert in_pages["pass"] == (in_pages["value"] <= 50)
    fallback = result["fallback"]
    assert fallback["throughput_on"] == result["throughput"] and fallback["throughput_off"] > 0
    assert fallback["slowdown"] == pytest.approx(1 - fallback["throughput_on"] / fallback["throughput_off"], abs=1e-3)
    assert fallback["errors_off"] == 0 and fallback["renders_off"] > 0
    assert result["bar"]["fallback_slowdown"]["value"] == fallback["slowdown"]
    assert "documents-fallback-off" in [p["target"] for p in result["phases"]]
    assert "cpu_slowdown" in fallback
    assert set(result["set"]) == {
        "form-tokyo-chiyoda-move-out.pdf",
        "form-sapporo-move-in.pdf",
        "result.pdf",
        "copy.pdf",
    }

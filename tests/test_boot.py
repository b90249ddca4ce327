# SPDX-License-Identifier: MIT
"""payload.bin in QEMU: entry from any address at EL1 and EL2, the memory
map, exceptions, a missing or garbage DTB, PSCI, and every UART that QEMU
models (PL011 on virt, Cadence on zcu102, the BCM2835 mini UART on raspi3b).
"""
import os
import re

import pytest

from harness import BUILD, Guest

RESET = "guest-reset"
OFF = "guest-shutdown"


def banner(run):
    m = re.search(r"tinydump \S+: entered at EL(\d), running at EL1; loaded at "
                  r"(0x[0-9a-f]+), image_size (0x[0-9a-f]+)", run.text)
    assert m, run
    return int(m.group(1)), int(m.group(2), 16), int(m.group(3), 16)


# Reservations (base, size) and load addresses inside them; some load
# addresses are only 4 KiB aligned, as the kexec_file path or another
# loader may choose.
LOADS = [
    ((0x7e000000, 1 << 20), 0x7e000000),	# 2 MiB aligned, as kexec-tools does
    ((0x7e000000, 1 << 20), 0x7e003000),	# 4 KiB aligned
    ((0x48000000, 1 << 20), 0x48041000),	# low in RAM, 4 KiB aligned
    ((0x60200000, 1 << 20), 0x602ff000 - 0x80000),  # odd page, near the end
]


@pytest.mark.parametrize("reservation,load", LOADS, ids=[hex(a) for _, a in LOADS])
def test_runs_from_any_address(reservation, load):
    g = Guest("virt", reservation=reservation, load_addr=load)
    run = g.run()
    el, at, image_size = banner(run)
    assert at == load and el == 1
    assert f"pa=0x{load:x} attr=0xff (normal write-back)" in run.text
    assert "tinydump: done" in run.text
    assert run.shutdown_reason == RESET, run


@pytest.mark.parametrize("machine,el,conduit", [("virt", 1, "hvc"), ("virt-el2", 2, "smc")])
def test_entry_el_and_psci_reset(machine, el, conduit):
    run = Guest(machine).run()
    assert banner(run)[0] == el
    assert f"psci: conduit {conduit}" in run.text
    assert f"resetting through PSCI ({conduit})" in run.text
    assert run.shutdown_reason == RESET, run


@pytest.mark.parametrize("machine", ["virt", "virt-el2"])
def test_memory_attributes(machine):
    g = Guest(machine)
    run = g.run()
    m = re.search(r"mmu: SCTLR_EL1=0x[0-9a-f]+ M=(\d) C=(\d) I=(\d)", run.text)
    assert m and m.groups() == ("1", "1", "1"), run
    assert re.search(rf"mmu: RAM \(payload\) 0x{g.load_addr:x}: pa=0x{g.load_addr:x} "
                     r"attr=0xff \(normal write-back\)", run.text), run
    assert re.search(r"mmu: MMIO \(console\) 0x9000000: pa=0x9000000 attr=0x04 "
                     r"\(device-nGnRE\)", run.text), run


@pytest.mark.parametrize("machine", ["virt", "virt-el2"])
def test_psci_off(machine):
    run = Guest(machine, bootargs="tinydump.after=off").run()
    assert "powering off through PSCI" in run.text
    assert run.shutdown_reason == OFF, run


def test_halt_stays():
    run = Guest("virt", bootargs="tinydump.after=halt").run(timeout=20, until=b"halting")
    assert "tinydump: halting" in run.text
    # We stopped it ourselves (QMP quit): no guest reset or power-off.
    assert run.shutdown_reason not in (RESET, OFF), run


@pytest.mark.parametrize("machine", ["virt", "virt-el2"])
def test_exception_report_and_reset(machine):
    run = Guest(machine, bootargs="tinydump.debug=fault").run()
    t = run.text
    assert "unexpected exception: synchronous" in t, run
    assert "EC=0x25 (data abort)" in t
    m = re.search(r"reading unmapped address (0x[0-9a-f]+)", t)
    assert m
    assert re.search(r"FAR=0x0*%s" % m.group(1)[2:], t), run
    for reg in ("ESR=", "ELR=", "SPSR=", "x0=", "x29=", "x30="):
        assert reg in t, reg
    assert run.shutdown_reason == RESET, run


def test_exception_inside_handler():
    run = Guest("virt", bootargs="tinydump.debug=fault-in-handler").run()
    assert "unexpected exception" in run.text
    assert "exception while handling an exception" in run.text, run
    assert run.shutdown_reason == RESET, run


@pytest.mark.parametrize("kind", ["missing", "garbage"])
@pytest.mark.parametrize("machine", ["virt", "virt-el2"])
def test_no_usable_dtb(kind, machine, tmp_path):
    """Without a DTB there is no console: PSCI is tried through both
    conduits (the wrong one traps and is caught) and the board resets."""
    g = Guest(machine)
    if kind == "missing":
        run = g.run(dtb_file="", dtb_addr=0)
    else:
        junk = tmp_path / "junk.bin"
        junk.write_bytes(os.urandom(8192))
        run = g.run(dtb_file=str(junk))
    assert b"tinydump" not in run.output
    assert run.shutdown_reason == RESET, run


@pytest.mark.parametrize("kind", ["missing", "garbage"])
def test_no_usable_dtb_fallback_console(kind, tmp_path):
    payload = os.path.join(BUILD, "fallback", "payload.bin")
    g = Guest("virt", payload=payload)
    if kind == "missing":
        run = g.run(dtb_file="", dtb_addr=0)
    else:
        junk = tmp_path / "junk.bin"
        junk.write_bytes(os.urandom(8192))
        run = g.run(dtb_file=str(junk))
    assert "no usable device tree at x0=" in run.text, run
    assert "fallback console pl011@0x9000000" in run.text
    assert "resetting through PSCI (smc, then hvc)" in run.text
    assert run.shutdown_reason == RESET, run


def test_earlycon_overrides_stdout_path():
    g = Guest("virt", bootargs="earlycon=pl011,mmio32,0x9000000 tinydump.after=off")
    dtb = g.make_dtb()
    os.system(f"fdtput -d {dtb} /chosen stdout-path")
    run = g.run(dtb_file=dtb)
    assert "console: pl011 at 0x9000000 from earlycon" in run.text, run
    assert run.shutdown_reason == OFF


def test_unknown_option_reported_kernel_options_ignored():
    run = Guest("virt", bootargs="console=ttyAMA0 tinydump.bogus=1 tinydump.after=off").run()
    assert "tinydump.bogus" in run.text, run
    assert "console=ttyAMA0" not in run.text
    assert run.shutdown_reason == OFF


def test_cadence_uart_zcu102():
    run = Guest("zcu102").run()
    assert banner(run)
    assert "console: cdns" in run.text, run
    assert run.shutdown_reason == RESET, run


def test_bcm2835_mini_uart_raspi3b():
    """raspi3b's DT has no /psci: the payload says so and halts."""
    run = Guest("raspi3b").run(timeout=30, until=b"halting")
    assert banner(run)
    assert "console: bcm2835" in run.text, run
    assert "no /psci node in the device tree" in run.text, run


def test_bad_earlycon_falls_back_to_stdout_path():
    run = Guest("virt", bootargs="earlycon=nosuchuart,mmio32,0x9000000 tinydump.after=off").run()
    assert "earlycon= not usable (unknown UART); used stdout-path instead" in run.text, run
    assert run.shutdown_reason == OFF

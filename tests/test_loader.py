# SPDX-License-Identifier: MIT
"""scripts/tinydump-load against fake systems.

Each test builds a fake root in tmp_path (TINYDUMP_ROOT): /proc/cmdline,
/proc/consoles, /proc/sys/kernel/*, /sys/kernel/{kexec_crash_size,
kexec_crash_loaded,security/lockdown}, /sys/firmware/fdt, a device tree
under /sys/firmware/devicetree/base (one file per property, big-endian
cells, as the kernel exposes it) and /sys/class/tty/<tty>/device/of_node
links into it.  A fake kexec (KEXEC=) records its arguments and sets the
fake kexec_crash_loaded as the kernel would.  The payload is the real
build/payload.bin (TINYDUMP_BUILD).
"""
import os
import shutil
import struct
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BUILD = os.environ.get("TINYDUMP_BUILD", os.path.join(ROOT, "build"))
LOADER = os.path.join(ROOT, "scripts", "tinydump-load")
PAYLOAD = os.path.join(BUILD, "payload.bin")
KIB = 1024

FAKE_KEXEC = """#!/bin/sh
# Records its arguments (NUL-separated) and plays the kernel's part.
printf '%s\\0' "$@" > "{log}"
rc=${{FAKE_KEXEC_RC:-0}}
[ "$rc" -eq 0 ] || {{ echo "kexec: fake failure" >&2; exit "$rc"; }}
case " $* " in
*" -u "*) echo 0 > "{loaded}" ;;
*) echo "${{FAKE_KEXEC_LOADED:-1}}" > "{loaded}" ;;
esac
"""


def image_size():
    return struct.unpack_from("<Q", open(PAYLOAD, "rb").read(64), 16)[0]


@pytest.fixture(scope="module", autouse=True)
def payload_built():
    if not os.path.exists(PAYLOAD):
        pytest.skip(f"{PAYLOAD} is missing: run `make` first (or set TINYDUMP_BUILD)")


def be32(*vals):
    return b"".join(struct.pack(">I", v) for v in vals)


class FakeSystem:
    """A fake root for tinydump-load; every path the script reads."""

    def __init__(self, tmp_path, cmdline="console=ttyAMA0,115200 crashkernel=512K",
                 crash_size=512 * KIB, fdt_size=8 * KIB):
        self.root = tmp_path / "root"
        self.dt = self.root / "sys/firmware/devicetree/base"
        self.dt.mkdir(parents=True)
        self.write("proc/cmdline", cmdline + "\n")
        self.write("proc/consoles", "")
        self.write("proc/sys/kernel/kexec_load_disabled", "0\n")
        self.write("sys/kernel/kexec_crash_size", f"{crash_size}\n")
        self.write("sys/kernel/kexec_crash_loaded", "0\n")
        self.write("sys/kernel/security/lockdown", "[none] integrity confidentiality\n")
        self.write("sys/firmware/fdt", b"\xd0\x0d\xfe\xed" + bytes(fdt_size - 4))
        self.prop("", "#address-cells", be32(2))
        self.prop("", "#size-cells", be32(2))
        self.log = tmp_path / "kexec.args"
        self.kexec = tmp_path / "fake-kexec"
        self.kexec.write_text(FAKE_KEXEC.format(
            log=self.log, loaded=self.root / "sys/kernel/kexec_crash_loaded"))
        self.kexec.chmod(0o755)
        self.config = self.root / "etc/default/tinydump"
        self.set_config(PAYLOAD=PAYLOAD)

    def write(self, rel, data):
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            data = data.encode()
        p.write_bytes(data)
        return p

    def prop(self, node, name, value):
        d = self.dt / node if node else self.dt
        d.mkdir(parents=True, exist_ok=True)
        if isinstance(value, str):
            value = value.encode()
        (d / name).write_bytes(value)

    def compatible(self, node, *names):
        self.prop(node, "compatible", b"".join(n.encode() + b"\0" for n in names))

    def console(self, tty, node, iomem_base=None, flags="EC p a", extra=None):
        """/proc/consoles line, /sys/class/tty/<tty>/device/of_node -> node."""
        with open(self.root / "proc/consoles", "a") as f:
            f.write(f"{tty:<21}-W- ({flags}) 204:64\n")
        dev = self.root / "sys/class/tty" / tty / "device"
        dev.mkdir(parents=True, exist_ok=True)
        if node is not None:
            os.symlink(os.path.relpath(self.dt / node, dev), dev / "of_node")
        if iomem_base is not None:
            (dev.parent / "iomem_base").write_text(iomem_base + "\n")
        for name, value in (extra or {}).items():
            (dev.parent / name).write_text(value + "\n")

    def set_config(self, **settings):
        self.config.parent.mkdir(parents=True, exist_ok=True)
        self.config.write_text("".join(f'{k}="{v}"\n' for k, v in settings.items()))

    def run(self, *args, uid=0, env=None):
        e = dict(os.environ, TINYDUMP_ROOT=str(self.root), KEXEC=str(self.kexec),
                 TINYDUMP_UID=str(uid))
        for k in ("TINYDUMP_CONFIG", "PAYLOAD", "EARLYCON", "APPEND", "KEXEC_ARGS"):
            e.pop(k, None)
        e.update(env or {})
        r = subprocess.run(["sh", LOADER, *args], capture_output=True, text=True, env=e,
                           timeout=20)
        r.all = r.stdout + r.stderr
        return r

    def kexec_args(self):
        if not self.log.exists():
            return None
        return self.log.read_bytes().decode().split("\0")[:-1]

    def loaded(self):
        p = self.root / "sys/kernel/kexec_crash_loaded"
        return p.read_text().strip() if p.exists() else None


@pytest.fixture
def fake(tmp_path):
    return FakeSystem(tmp_path)


def virt_pl011(fake, iomem="0x9000000"):
    fake.compatible("pl011@9000000", "arm,pl011", "arm,primecell")
    fake.prop("pl011@9000000", "reg", be32(0, 0x9000000, 0, 0x1000))
    fake.console("ttyAMA0", "pl011@9000000", iomem_base=iomem)


def load_earlycon(fake, *args):
    """Run load; return the earlycon= word passed to kexec (None if none)."""
    r = fake.run(*args)
    assert r.returncode == 0, r.all
    argv = fake.kexec_args()
    append = [a for a in argv if a.startswith("--append=")]
    assert len(append) == 1, argv
    words = append[0][len("--append="):].split()
    ec = [w for w in words if w.startswith("earlycon")]
    return ec[0] if ec else None


# --- earlycon derivation ------------------------------------------------------

def test_pl011_from_iomem_base(fake):
    virt_pl011(fake)
    assert load_earlycon(fake) == "earlycon=pl011,mmio32,0x9000000"


def test_pl011_from_reg_when_no_iomem_base(fake):
    virt_pl011(fake, iomem=None)
    assert load_earlycon(fake) == "earlycon=pl011,mmio32,0x9000000"


def test_sbsa_uart_is_pl011(fake):
    fake.compatible("uart@2a400000", "arm,sbsa-uart")
    fake.console("ttyAMA0", "uart@2a400000", iomem_base="0x2A400000")
    assert load_earlycon(fake) == "earlycon=pl011,mmio32,0x2a400000"


@pytest.mark.parametrize("compat,props,expected", [
    # DesignWare on Rockchip: 32-bit registers 4 bytes apart.
    (("rockchip,rk3399-uart", "snps,dw-apb-uart"), {"reg-shift": 2, "reg-io-width": 4},
     "uart8250,mmio32,0xff1a0000"),
    # A plain 16550A with byte registers.
    (("ns16550a",), {"reg-io-width": 1}, "uart8250,mmio,0xff1a0000"),
    (("ns16550a",), {}, "uart8250,mmio,0xff1a0000"),
    (("ns16550",), {"reg-shift": 1, "reg-io-width": 2}, "uart8250,mmio16,0xff1a0000"),
    # Width and stride that no earlycon iotype expresses: left to the
    # payload, which reads both from the DT node at that address.
    (("snps,dw-apb-uart",), {"reg-shift": 2, "reg-io-width": 1}, "uart8250,0xff1a0000"),
])
def test_8250(fake, compat, props, expected):
    fake.compatible("serial@ff1a0000", *compat)
    fake.prop("serial@ff1a0000", "reg", be32(0, 0xff1a0000, 0, 0x100))
    for name, v in props.items():
        fake.prop("serial@ff1a0000", name, be32(v))
    fake.console("ttyS2", "serial@ff1a0000", iomem_base="0xFF1A0000")
    assert load_earlycon(fake) == "earlycon=" + expected


def test_8250_width_from_sysfs_io_type(fake):
    """No reg-io-width in the DT: the driver's io_type (3 = UPIO_MEM32) and
    iomem_reg_shift say what it uses."""
    fake.compatible("serial@1c28000", "snps,dw-apb-uart")
    fake.console("ttyS0", "serial@1c28000", iomem_base="0x1C28000",
                 extra={"io_type": "3", "iomem_reg_shift": "2"})
    assert load_earlycon(fake) == "earlycon=uart8250,mmio32,0x1c28000"


def rpi3_aux(fake, iomem=None):
    """The Raspberry Pi 3 device tree's shape: a 1-cell root, /soc mapping
    bus address 0x7e000000 to 0x3f000000."""
    fake.prop("", "#address-cells", be32(1))
    fake.prop("", "#size-cells", be32(1))
    fake.prop("soc", "#address-cells", be32(1))
    fake.prop("soc", "#size-cells", be32(1))
    fake.prop("soc", "ranges", be32(0x7e000000, 0x3f000000, 0x1000000,
                                    0x40000000, 0x40000000, 0x1000))
    fake.compatible("soc/serial@7e215040", "brcm,bcm2835-aux-uart")
    fake.prop("soc/serial@7e215040", "reg", be32(0x7e215040, 0x40))
    fake.console("ttyS0", "soc/serial@7e215040", iomem_base=iomem)


def test_bcm2835aux_from_iomem_base(fake):
    rpi3_aux(fake, iomem="0x3F215040")
    assert load_earlycon(fake) == "earlycon=bcm2835aux,0x3f215040"


def test_bcm2835aux_reg_translated_through_ranges(fake):
    rpi3_aux(fake, iomem=None)
    assert load_earlycon(fake) == "earlycon=bcm2835aux,0x3f215040"


def test_cdns_zynqmp(fake):
    fake.prop("axi", "#address-cells", be32(2))
    fake.prop("axi", "#size-cells", be32(2))
    fake.prop("axi", "ranges", b"")
    fake.compatible("axi/serial@ff000000", "cdns,uart-r1p12", "xlnx,xuartps")
    fake.prop("axi/serial@ff000000", "reg", be32(0, 0xff000000, 0, 0x1000))
    fake.console("ttyPS0", "axi/serial@ff000000", iomem_base="0xFF000000")
    assert load_earlycon(fake) == "earlycon=cdns,0xff000000"


def test_cdns_reg_through_empty_ranges(fake):
    fake.prop("axi", "#address-cells", be32(2))
    fake.prop("axi", "#size-cells", be32(2))
    fake.prop("axi", "ranges", b"")
    fake.compatible("axi/serial@ff010000", "xlnx,xuartps")
    fake.prop("axi/serial@ff010000", "reg", be32(0, 0xff010000, 0, 0x1000))
    fake.console("ttyPS1", "axi/serial@ff010000")
    assert load_earlycon(fake) == "earlycon=cdns,0xff010000"


def test_preferred_console_first(fake):
    """/proc/consoles: the one flagged C (preferred) wins over the others."""
    fake.compatible("serial@ff1a0000", "ns16550a")
    fake.console("ttyS2", "serial@ff1a0000", iomem_base="0xFF1A0000", flags="E p a")
    virt_pl011(fake)
    assert load_earlycon(fake) == "earlycon=pl011,mmio32,0x9000000"


def test_proc_cmdline_earlycon_wins_over_console(tmp_path):
    fake = FakeSystem(tmp_path, cmdline="earlycon=uart8250,mmio32,0xfe215040 crashkernel=512K")
    virt_pl011(fake)
    assert load_earlycon(fake) == "earlycon=uart8250,mmio32,0xfe215040"


def test_proc_cmdline_earlycon_unknown_to_payload_falls_back(tmp_path):
    fake = FakeSystem(tmp_path, cmdline="earlycon=meson,0xc81004c0 crashkernel=512K")
    virt_pl011(fake)
    assert load_earlycon(fake) == "earlycon=pl011,mmio32,0x9000000"


def test_explicit_earlycon_wins(tmp_path):
    fake = FakeSystem(tmp_path, cmdline="earlycon=pl011,0x9000000 crashkernel=512K")
    virt_pl011(fake)
    fake.set_config(PAYLOAD=PAYLOAD, EARLYCON="uart8250,mmio32,0x1c28000")
    assert load_earlycon(fake) == "earlycon=uart8250,mmio32,0x1c28000"


def test_earlycon_none(fake):
    virt_pl011(fake)
    fake.set_config(PAYLOAD=PAYLOAD, EARLYCON="none")
    assert load_earlycon(fake) is None


def test_earlycon_in_append_is_not_doubled(fake):
    virt_pl011(fake)
    fake.set_config(PAYLOAD=PAYLOAD, APPEND="earlycon=cdns,0xff000000 tinydump.after=off")
    assert load_earlycon(fake) == "earlycon=cdns,0xff000000"


def test_nothing_derivable_relies_on_stdout_path(fake):
    fake.compatible("serial@30860000", "fsl,imx8mq-uart", "fsl,imx6q-uart")
    fake.console("ttymxc0", "serial@30860000", iomem_base="0x30860000")
    r = fake.run()
    assert r.returncode == 0, r.all
    assert not any("earlycon" in a for a in fake.kexec_args())
    assert "stdout-path" in r.stderr and "fsl,imx8mq-uart" in r.stderr


# --- the kexec command line and the summary -----------------------------------

def test_exact_kexec_command_and_summary(fake):
    virt_pl011(fake)
    fake.set_config(PAYLOAD=PAYLOAD, APPEND="tinydump.after=reset  tinydump.sink=serial",
                    KEXEC_ARGS="-d --dtb=/boot/board.dtb")
    r = fake.run("load")
    assert r.returncode == 0, r.all
    assert fake.kexec_args() == [
        "-p", PAYLOAD,
        "--append=earlycon=pl011,mmio32,0x9000000 tinydump.after=reset tinydump.sink=serial",
        "-d", "--dtb=/boot/board.dtb"]
    assert fake.loaded() == "1"
    out = " ".join(r.stdout.split())
    assert f"loaded {PAYLOAD} (image_size {image_size()} bytes" in out
    assert f"reservation of {512 * KIB} bytes (512 KiB" in out
    assert "earlycon=pl011,mmio32,0x9000000" in out
    assert "tinydump.after=reset tinydump.sink=serial" in out
    assert "kexec_crash_loaded is 1" in out


def test_default_config_path_and_load_is_default_command(fake):
    virt_pl011(fake)
    r = fake.run()
    assert r.returncode == 0, r.all
    assert fake.kexec_args()[:2] == ["-p", PAYLOAD]


def test_config_option(fake, tmp_path):
    virt_pl011(fake)
    other = tmp_path / "other.conf"
    other.write_text(f'PAYLOAD="{PAYLOAD}"\nAPPEND="tinydump.after=off"\n')
    r = fake.run("-c", str(other), "load")
    assert r.returncode == 0, r.all
    assert fake.kexec_args()[2].endswith(" tinydump.after=off")
    r = fake.run("-c", str(tmp_path / "missing.conf"))
    assert r.returncode == 1 and "cannot read the config file" in r.stderr


def test_environment_does_not_override_config(fake):
    virt_pl011(fake)
    r = fake.run(env={"APPEND": "tinydump.after=halt"})
    assert r.returncode == 0, r.all
    assert "halt" not in fake.kexec_args()[2]


def test_default_payload_path_under_root(fake):
    virt_pl011(fake)
    fake.set_config()
    dst = fake.root / "usr/lib/tinydump/payload.bin"
    dst.parent.mkdir(parents=True)
    shutil.copy(PAYLOAD, dst)
    r = fake.run()
    assert r.returncode == 0, r.all
    assert fake.kexec_args()[1] == str(dst)


# --- failures: each says what is wrong and how to fix it; nothing is loaded --

def expect_failure(fake, *needles, args=("load",), uid=0, env=None):
    r = fake.run(*args, uid=uid, env=env)
    assert r.returncode == 1, r.all
    for n in needles:
        assert n in r.stderr, (n, r.stderr)
    assert fake.kexec_args() is None, "kexec must not run when a check fails"
    assert fake.loaded() != "1"
    return r


def test_no_crashkernel(tmp_path):
    fake = FakeSystem(tmp_path, cmdline="console=ttyAMA0 root=/dev/mmcblk0p2", crash_size=0)
    virt_pl011(fake)
    expect_failure(fake, "no crashkernel=", "crashkernel=512K", "GRUB_CMDLINE_LINUX_DEFAULT",
                   "update-grub", "extlinux.conf", "boot.scr")


def test_crashkernel_given_but_nothing_reserved(tmp_path):
    fake = FakeSystem(tmp_path, cmdline="crashkernel=384M-:128M", crash_size=0)
    virt_pl011(fake)
    expect_failure(fake, "nothing was reserved", "dmesg")


def test_reservation_too_small(tmp_path):
    fake = FakeSystem(tmp_path, cmdline="crashkernel=256K", crash_size=256 * KIB)
    virt_pl011(fake)
    r = expect_failure(fake, "too small", f"image_size {image_size()}", "/sys/firmware/fdt",
                       "purgatory", "ELF core header")
    need = image_size() + 8 * KIB + 32 * KIB
    suggest = -(-need // (128 * KIB)) * 128
    assert f"crashkernel={suggest}K" in r.stderr


def test_size_rule_boundary(tmp_path):
    """The rule: image_size + size of /sys/firmware/fdt + 32 KiB."""
    need = image_size() + 20000 + 32 * KIB
    fake = FakeSystem(tmp_path, crash_size=need - 1, fdt_size=20000)
    virt_pl011(fake)
    expect_failure(fake, "too small", f"about {need} bytes")
    (fake.root / "sys/kernel/kexec_crash_size").write_text(f"{need}\n")
    r = fake.run()
    assert r.returncode == 0, r.all


def test_kexec_disabled(fake):
    virt_pl011(fake)
    fake.write("proc/sys/kernel/kexec_load_disabled", "1\n")
    expect_failure(fake, "kexec_load_disabled is 1", "only a reboot re-enables")


@pytest.mark.parametrize("mode", ["integrity", "confidentiality"])
def test_lockdown(fake, mode):
    virt_pl011(fake)
    modes = ["none", "integrity", "confidentiality"]
    fake.write("sys/kernel/security/lockdown",
               " ".join(f"[{m}]" if m == mode else m for m in modes) + "\n")
    expect_failure(fake, f"locked down ({mode}", "refuses kexec_load", "kexec_file_load",
                   "signed", "Secure Boot")


def test_bad_payload(fake, tmp_path):
    virt_pl011(fake)
    bad = tmp_path / "not-an-image.bin"
    data = bytearray(open(PAYLOAD, "rb").read())
    data[56:60] = b"\x7fELF"
    bad.write_bytes(bytes(data))
    fake.set_config(PAYLOAD=str(bad))
    expect_failure(fake, "not an arm64 Image", "ARM\\x64", "offset 56")


def test_missing_payload(fake, tmp_path):
    virt_pl011(fake)
    fake.set_config(PAYLOAD=str(tmp_path / "nope.bin"))
    expect_failure(fake, "does not exist", "make install")


def test_missing_kexec(fake, tmp_path):
    virt_pl011(fake)
    expect_failure(fake, "kexec not found", "apt install kexec-tools",
                   env={"KEXEC": str(tmp_path / "no-such-kexec")})


def test_not_root(fake):
    virt_pl011(fake)
    expect_failure(fake, "must run as root", "sudo", uid=1000)


def test_no_kdump_in_kernel(fake):
    virt_pl011(fake)
    (fake.root / "sys/kernel/kexec_crash_loaded").unlink()
    expect_failure(fake, "no kdump support", "CONFIG_CRASH_DUMP")


def test_all_problems_reported_at_once(tmp_path):
    fake = FakeSystem(tmp_path, cmdline="root=/dev/vda", crash_size=0)
    virt_pl011(fake)
    fake.write("proc/sys/kernel/kexec_load_disabled", "1\n")
    fake.write("sys/kernel/security/lockdown", "none [integrity] confidentiality\n")
    r = expect_failure(fake, "no crashkernel=", "kexec_load_disabled", "locked down",
                       "must run as root", uid=1000)
    assert "4 problem(s)" in r.stderr


def test_kexec_fails(fake):
    virt_pl011(fake)
    r = fake.run(env={"FAKE_KEXEC_RC": "1"})
    assert r.returncode == 1
    assert "fake failure" in r.stderr and "kexec failed (exit status 1)" in r.stderr
    assert fake.loaded() == "0"


def test_kexec_succeeds_but_nothing_loaded(fake):
    virt_pl011(fake)
    r = fake.run(env={"FAKE_KEXEC_LOADED": "0"})
    assert r.returncode == 1 and "kexec_crash_loaded is '0', not 1" in r.stderr


def test_command_line_too_long(fake):
    virt_pl011(fake)
    fake.set_config(PAYLOAD=PAYLOAD, APPEND="tinydump.after=reset " * 100)
    expect_failure(fake, "kexec-tools takes at most 2047")


def test_kdump_tools_warning(fake):
    virt_pl011(fake)
    fake.write("lib/udev/rules.d/50-kdump-tools.rules", "")
    wants = fake.root / "etc/systemd/system/basic.target.wants"
    wants.mkdir(parents=True)
    os.symlink("/lib/systemd/system/kdump-tools.service", wants / "kdump-tools.service")
    r = fake.run()
    assert r.returncode == 0, r.all
    assert "kdump-tools" in r.stderr and "systemctl disable --now kdump-tools" in r.stderr
    assert "try-reload" in r.stderr
    # A masked rule and a disabled unit: no warning.
    (wants / "kdump-tools.service").unlink()
    rules = fake.root / "etc/udev/rules.d"
    rules.mkdir(parents=True)
    os.symlink("/dev/null", rules / "50-kdump-tools.rules")
    r = fake.run()
    assert r.returncode == 0 and "kdump-tools" not in r.stderr, r.all


# --- status and unload ----------------------------------------------------------

def test_status(fake):
    virt_pl011(fake)
    fake.set_config(PAYLOAD=PAYLOAD, APPEND="tinydump.after=off")
    r = fake.run("status", uid=1000)
    assert r.returncode == 3, r.all
    assert "not loaded" in r.stdout
    assert f"reservation: {512 * KIB} bytes (512 KiB), from crashkernel=512K" in r.stdout
    assert f"image_size {image_size()} bytes" in r.stdout
    assert "would append: 'earlycon=pl011,mmio32,0x9000000 tinydump.after=off'" in r.stdout
    assert fake.kexec_args() is None

    assert fake.run("load").returncode == 0
    r = fake.run("status", uid=1000)
    assert r.returncode == 0, r.all
    assert "loaded: tinydump's payload is the crash kernel" in r.stdout
    assert PAYLOAD in r.stdout


def test_status_loaded_by_someone_else(fake):
    virt_pl011(fake)
    fake.write("sys/kernel/kexec_crash_loaded", "1\n")
    r = fake.run("status")
    assert r.returncode == 0 and "not by tinydump-load" in r.stdout, r.all


def test_unload(fake):
    virt_pl011(fake)
    assert fake.run("load").returncode == 0
    assert (fake.root / "run/tinydump/loaded").exists()
    r = fake.run("unload")
    assert r.returncode == 0, r.all
    assert fake.kexec_args() == ["-p", "-u"]
    assert fake.loaded() == "0"
    assert not (fake.root / "run/tinydump/loaded").exists()
    r = fake.run("unload", uid=1000)
    assert r.returncode == 1 and "must run as root" in r.stderr


def test_usage(fake):
    r = fake.run("--help")
    assert r.returncode == 0 and "unload" in r.stdout and "EARLYCON" in r.stdout
    r = fake.run("bogus")
    assert r.returncode == 2 and "unknown argument" in r.stderr


# --- the script itself ------------------------------------------------------------

def test_posix_sh():
    dash = shutil.which("dash")
    if not dash:
        pytest.skip("dash is not installed")
    subprocess.run([dash, "-n", LOADER], check=True)
    if shutil.which("shellcheck"):
        r = subprocess.run(["shellcheck", "-s", "sh", LOADER], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout


def test_runs_under_dash(fake):
    dash = shutil.which("dash")
    if not dash:
        pytest.skip("dash is not installed")
    rpi3_aux(fake)
    e = dict(os.environ, TINYDUMP_ROOT=str(fake.root), KEXEC=str(fake.kexec), TINYDUMP_UID="0")
    r = subprocess.run([dash, LOADER, "load"], capture_output=True, text=True, env=e)
    assert r.returncode == 0, r.stdout + r.stderr
    assert fake.kexec_args()[2].startswith("--append=earlycon=bcm2835aux,0x3f215040")

# SPDX-License-Identifier: MIT
# ELF core header builder: unit tests and fuzz harnesses link it now; the
# fixture generator adds "host-gen-y += host-tools/elfcore_build.c" together
# with its main(), since host-gen-y without a main() fails to link.
unit-support-y += host-tools/elfcore_build.c

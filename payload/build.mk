# SPDX-License-Identifier: MIT
payload-y += payload/main.c payload/log.c payload/libc_glue.c
shared-y += payload/config.c
shared-y += payload/crc32c.c payload/elfcore.c payload/vmcoreinfo.c

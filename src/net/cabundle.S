/*
 * The Mozilla CA bundle, zlib-compressed, embedded at build time.  The build
 * passes its path as a string: -DCABUNDLE_Z=\"build/gen/cabundle.z\".
 * net/tls.c inflates it only when no other trust source is configured.
 */
#ifndef CABUNDLE_Z
#error "CABUNDLE_Z must name the compressed CA bundle (-DCABUNDLE_Z=\"path\")"
#endif

	.section .rodata
	.balign 16
	.globl	tls_cabundle_z
	.type	tls_cabundle_z, @object
tls_cabundle_z:
	.incbin	CABUNDLE_Z
	.globl	tls_cabundle_z_end
	.type	tls_cabundle_z_end, @object
tls_cabundle_z_end:
	.size	tls_cabundle_z, tls_cabundle_z_end - tls_cabundle_z

	.section .note.GNU-stack,"",@progbits

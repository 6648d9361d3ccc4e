/*
 * Fuzz target "wire": the decoder of the helper's wire
 * (pam_crmpolicy/wire.c), which the setuid helper runs on whatever the
 * calling process sends and the module on what the helper answers. The
 * input is one packet; a packet that decodes must encode back to the
 * same bytes, so that no two packets mean one message.
 */
#include <stdlib.h>
#include <string.h>

#include "../../pam_crmpolicy/wire.h"	/* the module's, not the core's */
#include "fuzz.h"

/* Too large for the stack of a fuzzing thread; one input at a time. */
static struct wire_msg msg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *pkt;
	size_t len;

	/* A longer packet is cut to the buffer, its length told (MSG_TRUNC). */
	if (size > 0)
		memcpy(msg.raw, data, size < sizeof(msg.raw) ? size :
			sizeof(msg.raw));
	if (wire_decode(&msg, size) != 0)
		return 0;
	if (msg.op < WIRE_START || msg.op >= WIRE_OP_MAX || msg.n > WIRE_STRS)
		fuzz_fail("wire", "a decoded message is out of range");
	if (wire_encode(msg.op, msg.a, msg.b, msg.n, msg.s, &pkt, &len) != 0)
		fuzz_fail("wire", "a decoded message does not encode");
	if (len != size || memcmp(pkt, data, size) != 0)
		fuzz_fail("wire", "a message encodes to another packet");
	free(pkt);
	wire_wipe(&msg);
	return 0;
}

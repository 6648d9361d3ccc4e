/*
 * QR codes in the terminal: libqrencode makes the modules; each text line
 * shows two module rows with the half blocks U+2580 and U+2584, inside a
 * quiet zone of two light modules.
 */
#include <string.h>

#include <qrencode.h>
#include <sodium.h>

#include "qr.h"

#define MARGIN 2

/* 1 when module (x, y) is dark; the margin and below the code are light. */
static int dark(const QRcode *q, int x, int y)
{
	x -= MARGIN;
	y -= MARGIN;
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return 0;
	return q->data[y * q->width + x] & 1;
}

int qr_print(FILE *f, const char *text, int colour)
{
	static const char *const cell[4] = { " ", "\u2580", "\u2584", "\u2588" };
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	int size;

	if (q == NULL)
		return -1;
	size = q->width + 2 * MARGIN;
	for (int y = 0; y < size; y += 2) {
		if (colour)
			fputs("\033[30;47m", f);
		for (int x = 0; x < size; x++) {
			/* With colour a block is a dark module, else a light one. */
			int top = dark(q, x, y) == colour;
			int bottom = y + 1 < size ? dark(q, x, y + 1) == colour :
				!colour;

			fputs(cell[top | bottom << 1], f);
		}
		fputs(colour ? "\033[0m\n" : "\n", f);
	}
	/* The modules spell out the secret in the URI. */
	sodium_memzero(q->data, (size_t)q->width * (size_t)q->width);
	QRcode_free(q);
	return 0;
}

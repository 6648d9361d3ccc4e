/*
 * QR codes in the terminal (libqrencode): two module rows per text line
 * drawn with Unicode half blocks, so that a phone can scan an otpauth://
 * URI straight off the screen.
 */
#ifndef CRM_QR_H
#define CRM_QR_H

#include <stdio.h>

/*
 * Prints text as a QR code to f. With colour, the code is drawn black on
 * white with ANSI colours whatever the terminal's own colours; without,
 * light modules are drawn as blocks (right on a dark terminal). Returns 0,
 * or -1 if the text cannot be encoded.
 */
int qr_print(FILE *f, const char *text, int colour);

#endif

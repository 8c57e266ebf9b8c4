/* dq: a small DICOM library for query clients.
 *
 * One include for the whole public API. Every public symbol starts with dq_
 * (types, functions) or DQ_ (macros, enum constants). Modules:
 *   dq/error.h    error values and the status convention (0 / -1 + dq_error)
 *   dq/buffer.h   the growable byte buffer every encoder appends to
 *   dq/version.h  library version, the standard editions it was generated from
 *   dq/dict.h     data dictionary, UIDs, VRs (generated from the standard)
 *   dq/pdu.h      Upper Layer PDUs: framing, decoded views, encoders
 *   dq/status.h   DIMSE status codes -> category and meaning (generated)
 *   dq/dimse_tables.h  DIMSE messages: command fields, elements, usage (generated)
 *   dq/ul_actions.h    Upper Layer action definitions, PS3.8 Tables 9-6..9-9 (generated)
 *   dq/dataset.h  data sets: model, transfer syntaxes, Part 10, -k keys, dump, charsets
 *   dq/json.h     data sets as DICOM JSON (PS3.18 F.2) and Native DICOM Model XML (PS3.19 A.1)
 *   dq/transport.h  byte transport (TCP; pluggable for TLS)
 *   dq/ul.h       Upper Layer state machine (PS3.8 Table 9-10, generated), no I/O
 *   dq/assoc.h    associations (requestor), DIMSE messages
 *   dq/dimse_rx.h DIMSE message reassembly from PDVs, no I/O
 *   dq/find.h     the C-FIND SCU engine
 */
#ifndef DQ_DQ_H
#define DQ_DQ_H

#include "dq/error.h"
#include "dq/buffer.h"
#include "dq/version.h"
#include "dq/dict.h"
#include "dq/dataset.h"
#include "dq/json.h"
#include "dq/pdu.h"
#include "dq/status.h"
#include "dq/dimse_tables.h"
#include "dq/ul_actions.h"
#include "dq/transport.h"
#include "dq/ul.h"
#include "dq/assoc.h"
#include "dq/dimse_rx.h"
#include "dq/find.h"

#endif

/*
 * The records of the Xen migration stream as they travel: the libxl framing
 * (Xen's docs/specs/libxl-migration-stream.pandoc, version 2) around the
 * libxc image (docs/specs/libxc-migration-stream.pandoc, version 3), and the
 * sub-records Tern adds in EMULATOR_CONTEXT.  docs/stream-format.md says
 * which of them Tern writes and in what order.
 *
 * Every struct here is a wire layout: fixed-width fields, explicit padding,
 * sizes asserted.  They are filled field by field with explicit byte order
 * (the libxl header and the libxc image header are big-endian, everything
 * else little-endian, as the image header's options say); no in-memory
 * struct of another layer is ever written as it is.
 */
#ifndef SR_WIRE_H
#define SR_WIRE_H

#include <stdint.h>

/* Records are padded to this alignment. */
#define SR_ALIGN 8u
/* The longest record body a reader accepts (Xen's libxc uses the same). */
#define SR_MAX_RECORD (128u << 20)
/* Most pfns in one PAGE_DATA record, as Xen's saver batches them. */
#define SR_MAX_BATCH 1024u
/* PAGE_DATA pfn fields: type in bits 60-63, reserved 52-59, pfn 0-51. */
#define SR_PFN_MASK ((1ULL << 52) - 1)
#define SR_PFN_RESERVED_MASK (((1ULL << 60) - 1) & ~SR_PFN_MASK)
#define SR_PFN_TYPE_SHIFT 60
/* XEN_DOMCTL_PFINFO_* (bits 28-31 of a 32-bit word) moved to bits 60-63. */
#define SR_PFINFO_TO_WIRE(t) ((uint64_t)(t) << 32)

/* ---- libxl level ---------------------------------------------------- */

#define SR_LIBXL_IDENT 0x4c6962786c466d74ULL /* "LibxlFmt" */
#define SR_LIBXL_VERSION 2u

/* Big-endian. */
struct sr_libxl_hdr {
	uint64_t ident;
	uint32_t version;
	uint32_t options; /* bit 0: big-endian; bit 1: legacy; others 0 */
};
_Static_assert(sizeof(struct sr_libxl_hdr) == 16, "libxl header");

enum sr_libxl_rec {
	SR_LIBXL_END = 0,
	SR_LIBXL_LIBXC_CONTEXT = 1,
	SR_LIBXL_EMULATOR_XENSTORE_DATA = 2,
	SR_LIBXL_EMULATOR_CONTEXT = 3,
	SR_LIBXL_CHECKPOINT_END = 4,
	SR_LIBXL_CHECKPOINT_STATE = 5,
};

/* Record types with bit 31 set are optional: a reader may skip them. */
#define SR_REC_OPTIONAL 0x80000000u

/* Both levels frame records alike: this header, the body, zero padding. */
struct sr_rec_hdr {
	uint32_t type;
	uint32_t length; /* of the body, without padding */
};
_Static_assert(sizeof(struct sr_rec_hdr) == 8, "record header");

/*
 * The sub-header of the emulator records.  Xen's verifier knows emulator
 * ids 0-2 only; Tern writes 0 ("unknown"), the one no real emulator
 * claims, and uses index to tell its two EMULATOR_CONTEXT records apart.
 */
struct sr_emulator_hdr {
	uint32_t id;
	uint32_t index;
};
_Static_assert(sizeof(struct sr_emulator_hdr) == 8, "emulator header");

#define SR_EMULATOR_ID 0u
enum sr_emulator_index {
	SR_EMU_VCPUS = 0,   /* Tern's vCPU sub-records (struct sr_vcpu_rec) */
	SR_EMU_DEVICES = 1, /* tern-hv's device state (hv/device.h) */
	SR_EMU_NR,
};

/* ---- libxc level ---------------------------------------------------- */

#define SR_IHDR_MARKER 0xffffffffffffffffULL
#define SR_IHDR_ID 0x58454e46u /* "XENF" */
#define SR_IHDR_VERSION 3u

/* Big-endian. */
struct sr_image_hdr {
	uint64_t marker;
	uint32_t id;
	uint32_t version;
	uint16_t options; /* bit 0: big-endian */
	uint16_t reserved1;
	uint32_t reserved2;
};
_Static_assert(sizeof(struct sr_image_hdr) == 24, "image header");

#define SR_DHDR_TYPE_X86_HVM 2u
#define SR_PAGE_SHIFT 12u
#define SR_PAGE_SIZE (1u << SR_PAGE_SHIFT)

struct sr_domain_hdr {
	uint32_t type;
	uint16_t page_shift;
	uint16_t reserved;
	uint32_t xen_major;
	uint32_t xen_minor;
};
_Static_assert(sizeof(struct sr_domain_hdr) == 16, "domain header");

enum sr_libxc_rec {
	SR_LIBXC_END = 0x00,
	SR_LIBXC_PAGE_DATA = 0x01,
	SR_LIBXC_X86_PV_INFO = 0x02,
	SR_LIBXC_X86_PV_P2M_FRAMES = 0x03,
	SR_LIBXC_X86_PV_VCPU_BASIC = 0x04,
	SR_LIBXC_X86_PV_VCPU_EXTENDED = 0x05,
	SR_LIBXC_X86_PV_VCPU_XSAVE = 0x06,
	SR_LIBXC_SHARED_INFO = 0x07,
	SR_LIBXC_X86_TSC_INFO = 0x08,
	SR_LIBXC_HVM_CONTEXT = 0x09,
	SR_LIBXC_HVM_PARAMS = 0x0a,
	SR_LIBXC_TOOLSTACK = 0x0b,
	SR_LIBXC_X86_PV_VCPU_MSRS = 0x0c,
	SR_LIBXC_VERIFY = 0x0d,
	SR_LIBXC_CHECKPOINT = 0x0e,
	SR_LIBXC_CHECKPOINT_DIRTY_PFN_LIST = 0x0f,
	SR_LIBXC_STATIC_DATA_END = 0x10,
	SR_LIBXC_X86_CPUID_POLICY = 0x11,
	SR_LIBXC_X86_MSR_POLICY = 0x12,
};

struct sr_page_data_hdr {
	uint32_t count;
	uint32_t reserved;
	/* then count uint64_t pfn fields, then the pages with data */
};
_Static_assert(sizeof(struct sr_page_data_hdr) == 8, "PAGE_DATA header");

struct sr_tsc_info {
	uint32_t mode;
	uint32_t khz;
	uint64_t nsec;
	uint32_t incarnation;
	uint32_t reserved;
};
_Static_assert(sizeof(struct sr_tsc_info) == 24, "X86_TSC_INFO");

struct sr_hvm_params_hdr {
	uint32_t count;
	uint32_t reserved;
	/* then count struct sr_hvm_param */
};
_Static_assert(sizeof(struct sr_hvm_params_hdr) == 8, "HVM_PARAMS header");

struct sr_hvm_param {
	uint64_t index;
	uint64_t value;
};
_Static_assert(sizeof(struct sr_hvm_param) == 16, "HVM_PARAMS entry");

/* ---- Tern's sub-records in EMULATOR_CONTEXT ------------------------- */

/*
 * Both of Tern's EMULATOR_CONTEXT records hold a sequence of sub-records
 * framed as hv/device.h's struct hv_state_record (id, version, length,
 * reserved; body; zero padding to 8).  In the SR_EMU_VCPUS record there is
 * one SR_SUB_VCPU sub-record per vCPU, in vCPU order.
 */
#define SR_SUB_VCPU 1u
#define SR_SUB_VCPU_VERSION 1u

/*
 * What a vCPU has beyond Xen's HVM save records: KVM's pending-event state
 * (struct kvm_vcpu_events, field by field), its multiprocessing state, the
 * pending-interrupt bitmap of kvm_sregs, and tern-hv's own vCPU fields.
 */
struct sr_vcpu_rec {
	uint32_t vcpu_id;
	uint32_t mp_state;
	uint64_t vcpu_info_gpa;
	uint8_t upcall_vector;
	uint8_t up;
	uint8_t initialised;
	uint8_t pad0;
	uint32_t events_flags;
	uint8_t exc_injected;
	uint8_t exc_nr;
	uint8_t exc_has_error_code;
	uint8_t exc_pending;
	uint32_t exc_error_code;
	uint8_t irq_injected;
	uint8_t irq_nr;
	uint8_t irq_soft;
	uint8_t irq_shadow;
	uint8_t nmi_injected;
	uint8_t nmi_pending;
	uint8_t nmi_masked;
	uint8_t pad1;
	uint32_t sipi_vector;
	uint8_t smi_smm;
	uint8_t smi_pending;
	uint8_t smi_inside_nmi;
	uint8_t smi_latched_init;
	uint8_t triple_fault_pending;
	uint8_t exc_has_payload;
	uint8_t pad2[6];
	uint64_t exc_payload;
	uint64_t interrupt_bitmap[4];
};
_Static_assert(sizeof(struct sr_vcpu_rec) == 96, "vCPU sub-record");

#endif

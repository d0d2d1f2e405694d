//! Every `unsafe` line of oxssh (ARCHITECTURE.md §1). Only what no safe crate offers is here:
//! libxcrypt's `crypt_rn`, glibc's `getspnam_r`, `openlog`/`syslog` (nix's wrapper lacks
//! `LOG_AUTHPRIV`), PAM through `libpam-sys`, the `pre_exec` hook of
//! `std::process::Command`, and the signal handlers that give a terminal its echo back when a
//! signal interrupts a hidden prompt. Each item is a small safe function or type; the modules
//! that use them contain no `unsafe`.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int, c_void};
use std::io;
use std::mem::MaybeUninit;
use std::os::unix::process::CommandExt;
use std::panic::AssertUnwindSafe;
use std::process::Command;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicPtr, Ordering};

use libpam_sys as pam;
use zeroize::Zeroizing;

use crate::pam::{Conversation, Message, MessageStyle, Response};

// ---------------------------------------------------------------------------------------------
// libxcrypt

/// `sizeof(struct crypt_data)` in libxcrypt's crypt.h.
const CRYPT_DATA_SIZE: usize = 32768;

#[link(name = "crypt")]
unsafe extern "C" {
    /// crypt.h: `char *crypt_rn(const char *phrase, const char *setting, void *data, int size)`.
    /// Unlike `crypt_r` it returns NULL on failure instead of a "*0" string.
    fn crypt_rn(
        phrase: *const c_char,
        setting: *const c_char,
        data: *mut c_void,
        size: c_int,
    ) -> *mut c_char;
}

/// Hashes `phrase` with `setting`. The work area is heap-allocated (32 KiB is too much for a
/// tokio blocking thread's stack to take casually) and wiped afterwards, as is the copy of the
/// result once the caller drops it.
pub(crate) fn crypt(phrase: &CStr, setting: &CStr) -> Option<Zeroizing<Vec<u8>>> {
    // Zeroed, as crypt.h asks for the `initialized` field before first use.
    let mut data = Zeroizing::new(vec![0u8; CRYPT_DATA_SIZE]);
    let size = c_int::try_from(data.len()).ok()?;
    // SAFETY: `phrase` and `setting` are NUL-terminated and live across the call; `data` is a
    // writable buffer of exactly `size` bytes, at least `sizeof(struct crypt_data)` as crypt_rn
    // requires, and byte-aligned access is all the struct (char arrays only) needs.
    let out = unsafe {
        crypt_rn(
            phrase.as_ptr(),
            setting.as_ptr(),
            data.as_mut_ptr().cast(),
            size,
        )
    };
    if out.is_null() {
        return None;
    }
    // SAFETY: on success crypt_rn returns a NUL-terminated string inside `data`, which is still
    // alive here; we copy it out before `data` is wiped and freed.
    let hash = unsafe { CStr::from_ptr(out) }.to_bytes().to_vec();
    Some(Zeroizing::new(hash))
}

// ---------------------------------------------------------------------------------------------
// Shadow database

/// The fields of `struct spwd` we use, copied out of the C buffer (-1 = empty field).
pub(crate) struct RawShadow {
    pub(crate) hash: Zeroizing<Vec<u8>>,
    pub(crate) last_change: i64,
    pub(crate) min: i64,
    pub(crate) max: i64,
    pub(crate) warn: i64,
    pub(crate) inactive: i64,
    pub(crate) expire: i64,
}

/// Where getspnam_r's buffer stops growing; a shadow line is a few hundred bytes.
const MAX_SHADOW_BUF: usize = 1 << 20;

/// `getspnam_r` with a buffer grown on `ERANGE`. `Ok(None)` when the user has no entry.
pub(crate) fn getspnam(name: &CStr) -> io::Result<Option<RawShadow>> {
    let mut len = 1024;
    loop {
        let mut buf: Zeroizing<Vec<c_char>> = Zeroizing::new(vec![0; len]);
        let mut entry = MaybeUninit::<libc::spwd>::uninit();
        let mut result: *mut libc::spwd = ptr::null_mut();
        // SAFETY: all pointers are valid for the call: `name` is NUL-terminated, `entry` is
        // writable storage for one spwd, `buf` holds `buf.len()` writable bytes, and `result`
        // is a writable pointer. glibc fills `entry` with pointers into `buf` only.
        let rc = unsafe {
            libc::getspnam_r(
                name.as_ptr(),
                entry.as_mut_ptr(),
                buf.as_mut_ptr(),
                buf.len(),
                &mut result,
            )
        };
        if rc == libc::ERANGE && len < MAX_SHADOW_BUF {
            len *= 4;
            continue;
        }
        // glibc reports "no such user" as 0 with a NULL result, some versions as ENOENT.
        if rc == libc::ENOENT || (rc == 0 && result.is_null()) {
            return Ok(None);
        }
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        // SAFETY: rc == 0 and result is non-NULL, so glibc initialised the entry `result`
        // points to (it is `entry`); its strings point into `buf`, still alive here.
        let sp = unsafe { &*result };
        let hash = if sp.sp_pwdp.is_null() {
            Vec::new()
        } else {
            // SAFETY: a non-NULL sp_pwdp is a NUL-terminated string inside `buf`.
            unsafe { CStr::from_ptr(sp.sp_pwdp) }.to_bytes().to_vec()
        };
        return Ok(Some(RawShadow {
            hash: Zeroizing::new(hash),
            last_change: sp.sp_lstchg,
            min: sp.sp_min,
            max: sp.sp_max,
            warn: sp.sp_warn,
            inactive: sp.sp_inact,
            expire: sp.sp_expire,
        }));
    }
}

// ---------------------------------------------------------------------------------------------
// syslog

/// `openlog(ident, LOG_PID, facility)`, as sshd opens the log.
pub(crate) fn openlog(ident: &'static CStr, facility: c_int) {
    // SAFETY: glibc keeps the ident pointer for later calls; it is 'static, so it stays valid.
    // The other arguments are plain integers.
    unsafe { libc::openlog(ident.as_ptr(), libc::LOG_PID, facility) }
}

/// `syslog(priority, "%s", message)`.
pub(crate) fn syslog(priority: c_int, message: &CStr) {
    // SAFETY: a constant "%s" format consumes exactly the one NUL-terminated string argument
    // given, so nothing in the message is read as a conversion.
    unsafe { libc::syslog(priority, c"%s".as_ptr(), message.as_ptr()) }
}

/// `closelog()`.
pub(crate) fn closelog() {
    // SAFETY: no arguments; glibc serialises it with the other syslog calls.
    unsafe { libc::closelog() }
}

// ---------------------------------------------------------------------------------------------
// Child setup between fork and exec

/// Runs `crate::spawn::child_setup(&plan)` in the child after `fork` and before `exec`.
pub(crate) fn set_child_setup(cmd: &mut Command, plan: crate::spawn::ChildPlan) {
    // SAFETY: the closure runs in the forked child of a possibly multi-threaded parent, where
    // only async-signal-safe work is sound. `spawn::child_setup` is written for that: it only
    // makes system calls through rustix and nix (setsid, ioctl, setgroups, setres[ug]id,
    // set[e][ug]id, get[e][ug]id, chdir, write), allocates nothing and takes no locks; every
    // value it needs (ids, group list, NUL-terminated paths, message bytes) was built in the
    // parent and is only borrowed. Errors are plain errno values, which std reports to the
    // parent without allocating.
    unsafe {
        cmd.pre_exec(move || crate::spawn::child_setup(&plan));
    }
}

// ---------------------------------------------------------------------------------------------
// Signals during a hidden prompt (readpassphrase(3))

/// The signals readpassphrase(3) catches while echo is off.
const PROMPT_SIGNALS: [c_int; 9] = [
    libc::SIGALRM,
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGPIPE,
    libc::SIGQUIT,
    libc::SIGTERM,
    libc::SIGTSTP,
    libc::SIGTTIN,
    libc::SIGTTOU,
];

/// What a signal handler puts back: the terminal's settings before the prompt, and the hidden ones
/// to take up again after a stop. Each is leaked (a few hundred bytes per prompt), so a handler
/// running on any thread can never see it freed.
struct PromptTerminal {
    fd: c_int,
    saved: libc::termios,
    quiet: libc::termios,
}

/// The terminal of the prompt that is reading now, or null.
static PROMPT: AtomicPtr<PromptTerminal> = AtomicPtr::new(ptr::null_mut());

/// The handler's address as `sigaction` holds it.
fn prompt_handler() -> libc::sighandler_t {
    on_prompt_signal as extern "C" fn(c_int) as libc::sighandler_t
}

/// The current disposition of `signal`.
fn disposition(signal: c_int) -> Option<libc::sighandler_t> {
    let mut old = MaybeUninit::<libc::sigaction>::zeroed();
    // SAFETY: a null new action only queries; `old` is a writable sigaction.
    let rc = unsafe { libc::sigaction(signal, ptr::null(), old.as_mut_ptr()) };
    // SAFETY: on success sigaction filled in `old`.
    (rc == 0).then(|| unsafe { old.assume_init() }.sa_sigaction)
}

/// Points `signal` at `handler` with `flags`.
fn set_disposition(signal: c_int, handler: libc::sighandler_t, flags: c_int) {
    // SAFETY: an all-zero sigaction is a valid value (empty mask, no flags); the fields set are
    // plain integers.
    let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
    action.sa_sigaction = handler;
    action.sa_flags = flags;
    // SAFETY: `handler` is SIG_DFL or `on_prompt_signal`, which only makes async-signal-safe
    // calls; the action is fully initialised and the old one is not asked for.
    unsafe { libc::sigaction(signal, &action, ptr::null_mut()) };
}

/// Catches `signal` once (`SA_RESETHAND`), unblocked inside the handler (`SA_NODEFER`) so the
/// handler can raise it again with its default action, and without `SA_RESTART` so the prompt's
/// read sees `EINTR`.
fn catch_for_prompt(signal: c_int) {
    set_disposition(
        signal,
        prompt_handler(),
        libc::SA_RESETHAND | libc::SA_NODEFER,
    );
}

/// Puts the terminal back, then lets `signal` do what it would have done: end the process, or stop
/// it until `SIGCONT`, after which the prompt hides the input again and carries on reading.
extern "C" fn on_prompt_signal(signal: c_int) {
    // SAFETY: errno is thread-local; a handler that makes system calls must keep the interrupted
    // code's value.
    let errno = unsafe { *libc::__errno_location() };
    let current = PROMPT.load(Ordering::SeqCst);
    // SAFETY: a non-null pointer in PROMPT is a leaked PromptTerminal, valid for the rest of the
    // process.
    let terminal = unsafe { current.as_ref() };
    if let Some(t) = terminal {
        // SAFETY: tcsetattr is async-signal-safe; `fd` is a plain number (a descriptor closed
        // meanwhile only makes the call fail) and `saved` a valid termios.
        unsafe { libc::tcsetattr(t.fd, libc::TCSAFLUSH, &t.saved) };
    }
    // SAFETY: raise is async-signal-safe. SA_RESETHAND restored the default action and SA_NODEFER
    // leaves the signal unblocked, so it acts now.
    unsafe { libc::raise(signal) };
    if let Some(t) = terminal
        && PROMPT.load(Ordering::SeqCst) == current
    {
        // SAFETY: as above.
        unsafe { libc::tcsetattr(t.fd, libc::TCSAFLUSH, &t.quiet) };
        catch_for_prompt(signal);
    }
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = errno };
}

/// While alive, the readpassphrase signals whose disposition was the default put the terminal
/// `fd` back before they act. A signal the program handles itself (a tokio handler, say) is left
/// alone: that handler must restore the terminal (see `terminal::restore_echo`).
pub(crate) struct PromptSignals {
    caught: Vec<c_int>,
}

impl PromptSignals {
    /// Records the settings of terminal `fd` before the prompt hides the input (clearing `ECHO`
    /// and `ECHONL`, as the caller then does) and starts catching signals. `None` if `fd` is not a
    /// terminal.
    pub(crate) fn arm(fd: std::os::fd::BorrowedFd<'_>) -> Option<Self> {
        use std::os::fd::AsRawFd;
        let fd = fd.as_raw_fd();
        let mut saved = MaybeUninit::<libc::termios>::zeroed();
        // SAFETY: `fd` is open (borrowed) and `saved` is a writable termios.
        if unsafe { libc::tcgetattr(fd, saved.as_mut_ptr()) } != 0 {
            return None;
        }
        // SAFETY: tcgetattr succeeded and filled it in.
        let saved = unsafe { saved.assume_init() };
        let mut quiet = saved;
        quiet.c_lflag &= !(libc::ECHO | libc::ECHONL);
        let terminal = Box::leak(Box::new(PromptTerminal { fd, saved, quiet }));
        PROMPT.store(terminal, Ordering::SeqCst);
        let caught = PROMPT_SIGNALS
            .into_iter()
            .filter(|&s| disposition(s) == Some(libc::SIG_DFL))
            .collect::<Vec<_>>();
        for &s in &caught {
            catch_for_prompt(s);
        }
        Some(Self { caught })
    }
}

impl Drop for PromptSignals {
    fn drop(&mut self) {
        for &s in &self.caught {
            // A handler installed meanwhile by someone else stays.
            if disposition(s) == Some(prompt_handler()) {
                set_disposition(s, libc::SIG_DFL, 0);
            }
        }
        PROMPT.store(ptr::null_mut(), Ordering::SeqCst);
    }
}

// ---------------------------------------------------------------------------------------------
// PAM

/// What the conversation callback reaches through `appdata_ptr`.
struct ConvState {
    conversation: Box<dyn Conversation>,
    /// Cleared before cleanup so modules cannot prompt during close_session / pam_end, as
    /// OpenSSH's `sshpam_cleanup` installs a null conversation.
    enabled: bool,
}

/// The PAM calls that take a handle and flags.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PamOp {
    Authenticate,
    AcctMgmt,
    Chauthtok,
    Setcred,
    OpenSession,
    CloseSession,
}

/// An open PAM transaction. Owns the `pam_conv` and the conversation state for as long as the
/// handle lives: OpenPAM keeps the `pam_conv` pointer, and every implementation keeps
/// `appdata_ptr`.
#[derive(Debug)]
pub(crate) struct PamHandle {
    handle: NonNull<pam::pam_handle>,
    conv: NonNull<pam::pam_conv>,
    state: NonNull<ConvState>,
    last_status: c_int,
}

// SAFETY: a PAM handle is not tied to the thread that created it (OpenSSH itself runs PAM in a
// thread or process other than the one holding the connection); PamHandle is not Sync, so it is
// used by one thread at a time, and the conversation it owns is `Send`.
unsafe impl Send for PamHandle {}

impl std::fmt::Debug for ConvState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConvState")
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

impl PamHandle {
    /// `pam_start`, or `pam_start_confdir` with a configuration directory. On failure returns
    /// the PAM code.
    pub(crate) fn start(
        service: &CStr,
        user: &CStr,
        confdir: Option<&CStr>,
        conversation: Box<dyn Conversation>,
    ) -> Result<Self, c_int> {
        let state = NonNull::from(Box::leak(Box::new(ConvState {
            conversation,
            enabled: true,
        })));
        let conv = NonNull::from(Box::leak(Box::new(pam::pam_conv {
            conv: conversation_callback,
            appdata_ptr: state.as_ptr().cast(),
        })));
        let mut handle: *mut pam::pam_handle = ptr::null_mut();
        // SAFETY: service, user and confdir are NUL-terminated; `conv` points to a live
        // pam_conv that stays allocated until after pam_end (freed in Drop, or below on failure).
        let rc = unsafe {
            match confdir {
                None => pam::pam_start(service.as_ptr(), user.as_ptr(), conv.as_ptr(), &mut handle),
                Some(dir) => pam::pam_start_confdir(
                    service.as_ptr(),
                    user.as_ptr(),
                    conv.as_ptr(),
                    dir.as_ptr(),
                    &mut handle,
                ),
            }
        };
        match NonNull::new(handle) {
            Some(handle) if rc == pam::PAM_SUCCESS => Ok(Self {
                handle,
                conv,
                state,
                last_status: rc,
            }),
            other => {
                if let Some(h) = other {
                    // SAFETY: pam_start returned a handle; ending it is the only cleanup.
                    unsafe { pam::pam_end(h.as_ptr(), rc) };
                }
                // SAFETY: both were leaked above and no live handle refers to them any more.
                unsafe { free_conv(conv, state) };
                Err(if rc == pam::PAM_SUCCESS {
                    pam::PAM_BUF_ERR
                } else {
                    rc
                })
            }
        }
    }

    /// `pam_set_item` with a string item (PAM copies it).
    pub(crate) fn set_item(&mut self, item: c_int, value: &CStr) -> c_int {
        // SAFETY: the handle is live; string items are copied by PAM during the call.
        let rc = unsafe { pam::pam_set_item(self.handle.as_ptr(), item, value.as_ptr().cast()) };
        self.last_status = rc;
        rc
    }

    /// Runs one of the flag-taking PAM calls.
    pub(crate) fn run(&mut self, op: PamOp, flags: c_int) -> c_int {
        let h = self.handle.as_ptr();
        // SAFETY: the handle is live and these calls take only the handle and flags; any
        // conversation they start comes back through `conversation_callback`.
        let rc = unsafe {
            match op {
                PamOp::Authenticate => pam::pam_authenticate(h, flags),
                PamOp::AcctMgmt => pam::pam_acct_mgmt(h, flags),
                PamOp::Chauthtok => pam::pam_chauthtok(h, flags),
                PamOp::Setcred => pam::pam_setcred(h, flags),
                PamOp::OpenSession => pam::pam_open_session(h, flags),
                PamOp::CloseSession => pam::pam_close_session(h, flags),
            }
        };
        self.last_status = rc;
        rc
    }

    /// `pam_getenvlist`; frees PAM's copies.
    pub(crate) fn getenvlist(&self) -> Vec<Vec<u8>> {
        // SAFETY: the handle is live. The result is NULL or a NULL-terminated array of
        // malloc'ed strings that the caller owns.
        let list = unsafe { pam::pam_getenvlist(self.handle.as_ptr()) };
        let mut out = Vec::new();
        if list.is_null() {
            return out;
        }
        let mut i = 0;
        loop {
            // SAFETY: the array is NULL-terminated and we stop at the terminator.
            let entry = unsafe { *list.add(i) };
            if entry.is_null() {
                break;
            }
            // SAFETY: each entry is a NUL-terminated malloc'ed string we own; copy, then free.
            unsafe {
                out.push(CStr::from_ptr(entry).to_bytes().to_vec());
                libc::free(entry.cast());
            }
            i += 1;
        }
        // SAFETY: the array itself was malloc'ed by PAM for us.
        unsafe { libc::free(list.cast()) };
        out
    }

    /// The `PAM_USER` item.
    pub(crate) fn user(&self) -> Option<Vec<u8>> {
        let mut item: *const c_void = ptr::null();
        // SAFETY: the handle is live; PAM stores a pointer to its own string in `item`.
        let rc = unsafe { pam::pam_get_item(self.handle.as_ptr(), pam::PAM_USER, &mut item) };
        if rc != pam::PAM_SUCCESS || item.is_null() {
            return None;
        }
        // SAFETY: PAM_USER is a NUL-terminated string owned by PAM, valid until the next
        // change of the item; we copy it at once.
        Some(unsafe { CStr::from_ptr(item.cast()) }.to_bytes().to_vec())
    }

    /// Makes every later conversation call fail with PAM_CONV_ERR.
    pub(crate) fn disable_conversation(&mut self) {
        // SAFETY: `state` is live until Drop and PAM is not inside a call (we hold &mut self).
        unsafe { (*self.state.as_ptr()).enabled = false };
    }
}

impl Drop for PamHandle {
    fn drop(&mut self) {
        // SAFETY: the handle is live and is not used after pam_end; then nothing refers to
        // `conv` or `state` any more, so they can be freed.
        unsafe {
            pam::pam_end(self.handle.as_ptr(), self.last_status);
            free_conv(self.conv, self.state);
        }
    }
}

/// # Safety
/// Both pointers come from `Box::leak` in `PamHandle::start` and are not used afterwards.
unsafe fn free_conv(conv: NonNull<pam::pam_conv>, state: NonNull<ConvState>) {
    // SAFETY: guaranteed by the caller.
    unsafe {
        drop(Box::from_raw(conv.as_ptr()));
        drop(Box::from_raw(state.as_ptr()));
    }
}

/// `pam_strerror`. Linux-PAM and OpenPAM ignore the handle (libpam-sys documents NULL as
/// accepted), so no transaction is needed.
pub(crate) fn pam_strerror(code: c_int) -> String {
    // SAFETY: NULL handle is accepted; the result is a static NUL-terminated string or NULL.
    let s = unsafe { pam::pam_strerror(ptr::null(), code) };
    if s.is_null() {
        return format!("PAM error {code}");
    }
    // SAFETY: non-NULL results are static NUL-terminated strings.
    unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned()
}

/// The `struct pam_conv` callback. A panic in the Rust conversation must not unwind into C, so
/// it is caught and reported as PAM_CONV_ERR.
unsafe extern "C" fn conversation_callback(
    num_msg: c_int,
    msg: *const *const pam::pam_message,
    resp: *mut *mut pam::pam_response,
    appdata: *mut c_void,
) -> c_int {
    // SAFETY: forwarded from PAM with the guarantees `converse` documents.
    std::panic::catch_unwind(AssertUnwindSafe(|| unsafe {
        converse(num_msg, msg, resp, appdata)
    }))
    .unwrap_or(pam::PAM_CONV_ERR)
}

/// # Safety
/// Called by PAM per the pam_conv(3) ABI: `msg` points to `num_msg` message pointers
/// (Linux-PAM layout, an array of pointers; OpenSSH's `PAM_MSG_MEMBER` for Linux), `resp` is
/// writable, and `appdata` is the `ConvState` pointer given to pam_start.
unsafe fn converse(
    num_msg: c_int,
    msg: *const *const pam::pam_message,
    resp: *mut *mut pam::pam_response,
    appdata: *mut c_void,
) -> c_int {
    if msg.is_null() || resp.is_null() || appdata.is_null() {
        return pam::PAM_CONV_ERR;
    }
    let n = match usize::try_from(num_msg) {
        Ok(n) if (1..=pam::PAM_MAX_NUM_MSG as usize).contains(&n) => n,
        _ => return pam::PAM_CONV_ERR,
    };
    // SAFETY: `resp` is writable per the ABI; clear it so no caller frees garbage on error.
    unsafe { *resp = ptr::null_mut() };
    // SAFETY: appdata is the live ConvState of the transaction PAM is running for us; no other
    // reference to it exists during the callback (PamHandle's methods are not re-entered).
    let state = unsafe { &mut *appdata.cast::<ConvState>() };
    if !state.enabled {
        return pam::PAM_CONV_ERR;
    }
    let mut messages = Vec::with_capacity(n);
    for i in 0..n {
        // SAFETY: `msg` holds `n` pointers; each non-NULL one points to a pam_message whose
        // `msg` is NULL or a NUL-terminated string, valid for the callback.
        let text = unsafe {
            let m = *msg.add(i);
            if m.is_null() {
                return pam::PAM_CONV_ERR;
            }
            let style = style_from_raw((*m).msg_style);
            let text = if (*m).msg.is_null() {
                String::new()
            } else {
                CStr::from_ptr((*m).msg).to_string_lossy().into_owned()
            };
            Message { style, text }
        };
        messages.push(text);
    }
    let replies = match state.conversation.converse(&messages) {
        Ok(r) if r.len() == n => r,
        _ => return pam::PAM_CONV_ERR,
    };
    // SAFETY: writes `n` replies into a fresh calloc'ed array; see `alloc_responses`.
    match unsafe { alloc_responses(&replies) } {
        Ok(array) => {
            // SAFETY: `resp` is writable; PAM now owns the array and its strings.
            unsafe { *resp = array };
            pam::PAM_SUCCESS
        }
        Err(code) => code,
    }
}

/// Copies replies into the malloc'ed form PAM frees with `free` (pam_conv(3)).
///
/// # Safety
/// Only allocates and writes memory it allocated itself; on error frees all of it.
unsafe fn alloc_responses(replies: &[Option<Response>]) -> Result<*mut pam::pam_response, c_int> {
    // SAFETY: calloc of `len` zeroed pam_response structs; NULL is handled.
    let array = unsafe { libc::calloc(replies.len(), size_of::<pam::pam_response>()) }
        .cast::<pam::pam_response>();
    if array.is_null() {
        return Err(pam::PAM_BUF_ERR);
    }
    for (i, reply) in replies.iter().enumerate() {
        let Some(reply) = reply else { continue };
        let fail = if reply.contains(&0) {
            Some(pam::PAM_CONV_ERR)
        } else {
            None
        };
        // SAFETY: malloc of len+1 bytes, checked for NULL before use.
        let p = match fail {
            None => unsafe { libc::malloc(reply.len() + 1) }.cast::<u8>(),
            Some(_) => ptr::null_mut(),
        };
        if p.is_null() {
            // SAFETY: entries 0..i are ours and initialised (calloc'ed NULL or malloc'ed).
            unsafe { free_responses(array, i) };
            return Err(fail.unwrap_or(pam::PAM_BUF_ERR));
        }
        // SAFETY: `p` has room for len+1 bytes; `array` has `replies.len()` entries, i < len.
        unsafe {
            ptr::copy_nonoverlapping(reply.as_ptr(), p, reply.len());
            *p.add(reply.len()) = 0;
            (*array.add(i)).resp = p.cast();
            (*array.add(i)).resp_retcode = 0;
        }
    }
    Ok(array)
}

/// Wipes and frees the first `count` responses and the array.
///
/// # Safety
/// `array` comes from `alloc_responses` and its first `count` entries are initialised.
unsafe fn free_responses(array: *mut pam::pam_response, count: usize) {
    for i in 0..count {
        // SAFETY: per the contract, entry i is initialised; `resp` is NULL or a NUL-terminated
        // malloc'ed string.
        unsafe {
            let r = (*array.add(i)).resp;
            if !r.is_null() {
                libc::explicit_bzero(r.cast(), libc::strlen(r));
                libc::free(r.cast());
            }
        }
    }
    // SAFETY: the array was calloc'ed by alloc_responses.
    unsafe { libc::free(array.cast()) };
}

fn style_from_raw(style: c_int) -> MessageStyle {
    match style {
        pam::PAM_PROMPT_ECHO_OFF => MessageStyle::PromptEchoOff,
        pam::PAM_PROMPT_ECHO_ON => MessageStyle::PromptEchoOn,
        pam::PAM_ERROR_MSG => MessageStyle::ErrorMsg,
        pam::PAM_TEXT_INFO => MessageStyle::TextInfo,
        other => MessageStyle::Other(other),
    }
}

#[cfg(test)]
mod tests {
    //! The conversation callback exercised through its C ABI, without a PAM stack.
    use super::*;
    use crate::pam::ConversationAborted;

    fn call(conv: Box<dyn Conversation>, msgs: &[(c_int, &CStr)]) -> (c_int, Vec<Option<Vec<u8>>>) {
        let mut state = ConvState {
            conversation: conv,
            enabled: true,
        };
        let structs: Vec<pam::pam_message> = msgs
            .iter()
            .map(|(s, t)| pam::pam_message {
                msg_style: *s,
                msg: t.as_ptr(),
            })
            .collect();
        let ptrs: Vec<*const pam::pam_message> = structs.iter().map(|m| m as *const _).collect();
        let mut resp: *mut pam::pam_response = ptr::null_mut();
        let n = c_int::try_from(msgs.len()).expect("small");
        // SAFETY: arguments laid out as Linux-PAM passes them; `state` outlives the call.
        let rc = unsafe {
            conversation_callback(
                n,
                ptrs.as_ptr(),
                &mut resp,
                (&mut state as *mut ConvState).cast(),
            )
        };
        let mut out = Vec::new();
        if rc == pam::PAM_SUCCESS {
            for i in 0..msgs.len() {
                // SAFETY: on success `resp` holds msgs.len() initialised entries.
                let r = unsafe { (*resp.add(i)).resp };
                // SAFETY: non-NULL entries are NUL-terminated strings we allocated.
                out.push((!r.is_null()).then(|| unsafe { CStr::from_ptr(r) }.to_bytes().to_vec()));
            }
            // SAFETY: as PAM would, free what the callback handed over.
            unsafe { free_responses(resp, msgs.len()) };
        } else {
            assert!(resp.is_null(), "no array may leak on failure");
        }
        (rc, out)
    }

    #[test]
    fn replies_are_copied_into_malloced_strings_in_order() {
        let conv = |m: &[Message]| -> Result<Vec<Option<Response>>, ConversationAborted> {
            assert_eq!(
                m[0],
                Message {
                    style: MessageStyle::PromptEchoOff,
                    text: "Password: ".into()
                }
            );
            assert_eq!(m[1].style, MessageStyle::TextInfo);
            Ok(vec![Some(Zeroizing::new(b"hunter2".to_vec())), None])
        };
        let (rc, out) = call(Box::new(conv), &[(1, c"Password: "), (4, c"hello")]);
        assert_eq!(rc, pam::PAM_SUCCESS);
        assert_eq!(out, vec![Some(b"hunter2".to_vec()), None]);
    }

    #[test]
    fn wrong_reply_count_abort_panic_and_nul_bytes_become_conv_err() {
        let few =
            |_: &[Message]| -> Result<Vec<Option<Response>>, ConversationAborted> { Ok(vec![]) };
        assert_eq!(call(Box::new(few), &[(1, c"P: ")]).0, pam::PAM_CONV_ERR);
        let abort = |_: &[Message]| -> Result<Vec<Option<Response>>, ConversationAborted> {
            Err(ConversationAborted)
        };
        assert_eq!(call(Box::new(abort), &[(1, c"P: ")]).0, pam::PAM_CONV_ERR);
        let panics = |_: &[Message]| -> Result<Vec<Option<Response>>, ConversationAborted> {
            panic!("boom")
        };
        assert_eq!(call(Box::new(panics), &[(1, c"P: ")]).0, pam::PAM_CONV_ERR);
        let nul = |_: &[Message]| -> Result<Vec<Option<Response>>, ConversationAborted> {
            Ok(vec![
                Some(Zeroizing::new(b"ok".to_vec())),
                Some(Zeroizing::new(b"a\0b".to_vec())),
            ])
        };
        assert_eq!(
            call(Box::new(nul), &[(1, c"A: "), (1, c"B: ")]).0,
            pam::PAM_CONV_ERR
        );
    }

    #[test]
    fn message_counts_outside_pam_limits_are_refused() {
        let any = |m: &[Message]| -> Result<Vec<Option<Response>>, ConversationAborted> {
            Ok(vec![None; m.len()])
        };
        let mut state = ConvState {
            conversation: Box::new(any),
            enabled: true,
        };
        let mut resp: *mut pam::pam_response = ptr::null_mut();
        let app: *mut c_void = (&mut state as *mut ConvState).cast();
        for n in [0, -1, pam::PAM_MAX_NUM_MSG + 1] {
            let dummy: [*const pam::pam_message; 1] = [ptr::null()];
            // SAFETY: the count is rejected before `msg` is read.
            let rc = unsafe { conversation_callback(n, dummy.as_ptr(), &mut resp, app) };
            assert_eq!(rc, pam::PAM_CONV_ERR, "n = {n}");
        }
    }
}

//! Password authentication (auth2-passwd.c, auth-passwd.c): PAM when UsePAM, else the shadow hash
//! through crypt. Root with `PermitRootLogin` other than `yes`, and empty passwords without
//! `PermitEmptyPasswords`, still cost a full check, against a password that cannot match, so the
//! answer comes no sooner than for any other wrong password.

use oxssh_config::server::{PermitRootLogin, ServerOptions};
use zeroize::Zeroizing;

use crate::privileged::{Access, Account, PasswordVerdict, Remote};

/// Whether PermitRootLogin lets root in with a password or keyboard-interactive.
pub fn root_may_use_password(account: &Account, options: &ServerOptions) -> bool {
    !account.user.uid.is_root() || options.permit_root_login == PermitRootLogin::Yes
}

/// Checks `password` for `account`; true when it is right and the account may log in with it.
pub async fn check(
    access: &Access,
    account: &Account,
    options: &ServerOptions,
    use_pam: bool,
    password: Zeroizing<Vec<u8>>,
    remote: &Remote,
) -> bool {
    let force_fail = !root_may_use_password(account, options)
        || (password.is_empty() && !options.permit_empty_passwords);
    matches!(
        access
            .check_password(
                account,
                password,
                use_pam,
                force_fail,
                options.permit_empty_passwords,
                remote,
            )
            .await,
        Ok(PasswordVerdict::Accepted)
    )
}

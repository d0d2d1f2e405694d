//! Keyboard-interactive (RFC 4256): with UsePAM, a PAM conversation relayed to the client (OpenSSH's
//! auth-pam.c `sshpam_query`/`sshpam_respond`); without PAM, one "Password: " prompt checked like a
//! password.
//!
//! The PAM transaction runs on a blocking thread and may ask several rounds of questions. Each round
//! of prompts comes out as a [`PamEvent::Prompts`]; the client's answers go back through
//! [`PamConversation::answer`]. Info and error texts without a prompt are carried into the
//! instruction of the next round, as OpenSSH does. Dropping the conversation aborts PAM.

use std::sync::{Arc, Mutex, mpsc as std_mpsc};

use oxssh_proto::InfoPrompt;
use oxssh_sys::pam::{
    AccountStatus, ConversationAborted, Message, MessageStyle, PamTransaction, Response,
};
use tokio::sync::mpsc;
use zeroize::Zeroizing;

use crate::log;
use crate::privileged::PAM_SERVICE;

/// The prompt of the PAM-less keyboard-interactive method.
pub const PASSWORD_PROMPT: &str = "Password: ";

/// What the PAM side says next.
#[derive(Debug)]
pub enum PamEvent {
    /// Questions for the client.
    Prompts {
        /// Text to show before the prompts.
        instruction: String,
        /// The prompts.
        prompts: Vec<InfoPrompt>,
    },
    /// PAM finished: authenticated and account valid, or not.
    Done(bool),
}

/// A running PAM keyboard-interactive transaction.
#[derive(Debug)]
pub struct PamConversation {
    events: mpsc::UnboundedReceiver<PamEvent>,
    answers: std_mpsc::Sender<Vec<Zeroizing<Vec<u8>>>>,
}

impl PamConversation {
    /// Starts PAM for `user` on a blocking thread. With `fail`, the conversation runs in full but
    /// the result is failure (a stand-in user, or an account that may not log in). On success the
    /// transaction is left in `slot` for the session.
    pub fn start(
        user: String,
        rhost: String,
        fail: bool,
        permit_empty: bool,
        slot: Arc<Mutex<Option<PamTransaction>>>,
    ) -> Self {
        let (event_tx, events) = mpsc::unbounded_channel();
        let (answers, answer_rx) = std_mpsc::channel::<Vec<Zeroizing<Vec<u8>>>>();
        tokio::task::spawn_blocking(move || {
            let prompts_tx = event_tx.clone();
            let mut pending = String::new();
            let conversation = move |messages: &[Message]| {
                converse(messages, &mut pending, &prompts_tx, &answer_rx)
            };
            let result = (|| {
                let mut tx = PamTransaction::start(PAM_SERVICE, &user, conversation)?;
                let _ = tx.set_rhost(&rhost);
                tx.authenticate(!permit_empty)?;
                match tx.acct_mgmt(!permit_empty)? {
                    AccountStatus::Valid => Ok(Some(tx)),
                    AccountStatus::NewAuthtokRequired => {
                        log::password_expired(&user);
                        Ok(None)
                    }
                }
            })();
            let ok = match result {
                Ok(Some(tx)) if !fail => {
                    *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
                    true
                }
                Ok(_) => false,
                Err::<_, oxssh_sys::pam::PamError>(e) => {
                    if !e.is_auth_failure() && !e.is_user_unknown() && !e.is_conversation_error() {
                        log::pam_error(e);
                    }
                    false
                }
            };
            let _ = event_tx.send(PamEvent::Done(ok));
        });
        Self { events, answers }
    }

    /// The next round of prompts, or the end.
    pub async fn next(&mut self) -> PamEvent {
        self.events.recv().await.unwrap_or(PamEvent::Done(false))
    }

    /// The client's answers to the last round.
    pub fn answer(&self, responses: Vec<Zeroizing<Vec<u8>>>) {
        let _ = self.answers.send(responses);
    }
}

/// One PAM conversation round: texts without prompts are kept for the next round's instruction;
/// prompts go to the client and the thread waits for its answers.
fn converse(
    messages: &[Message],
    pending: &mut String,
    events: &mpsc::UnboundedSender<PamEvent>,
    answers: &std_mpsc::Receiver<Vec<Zeroizing<Vec<u8>>>>,
) -> Result<Vec<Option<Response>>, ConversationAborted> {
    let mut prompts = Vec::new();
    for m in messages {
        match m.style {
            MessageStyle::PromptEchoOff | MessageStyle::PromptEchoOn => prompts.push(InfoPrompt {
                prompt: m.text.clone(),
                echo: m.style == MessageStyle::PromptEchoOn,
            }),
            MessageStyle::ErrorMsg | MessageStyle::TextInfo => {
                pending.push_str(&m.text);
                pending.push('\n');
            }
            MessageStyle::Other(_) => return Err(ConversationAborted),
        }
    }
    if prompts.is_empty() {
        return Ok(messages.iter().map(|_| None).collect());
    }
    let n = prompts.len();
    events
        .send(PamEvent::Prompts {
            instruction: std::mem::take(pending),
            prompts,
        })
        .map_err(|_| ConversationAborted)?;
    let mut responses = answers.recv().map_err(|_| ConversationAborted)?;
    if responses.len() != n {
        return Err(ConversationAborted);
    }
    responses.reverse();
    Ok(messages
        .iter()
        .map(|m| {
            if m.style.is_prompt() {
                responses.pop()
            } else {
                None
            }
        })
        .collect())
}

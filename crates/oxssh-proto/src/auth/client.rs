//! The client's side of user authentication: one request at a time, and the reply interpreted by what
//! was asked (message 60 means PK_OK, INFO_REQUEST or PASSWD_CHANGEREQ depending on the request).

use std::collections::VecDeque;

use oxssh_wire::Reader;

use crate::error::{ApiMisuse, Error, PeerMisbehaved};
use crate::event::{Event, InfoPrompt};
use crate::msg::number;
use crate::msg::transport::Service;
use crate::msg::userauth::{
    InfoRequest, InfoResponse, MethodRequest, PasswdChangeReq, SERVICE_CONNECTION,
    SERVICE_USERAUTH, UserauthBanner, UserauthFailure, UserauthPkOk, UserauthRequest,
    publickey_signed_data,
};
use crate::transport::Transport;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asked {
    Other,
    Password,
    PublicKeyQuery,
    KeyboardInteractive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Key exchange has not finished.
    NotStarted,
    ExpectServiceAccept,
    /// Free to send a request.
    Ready,
    ExpectResult(Asked),
    Done,
}

/// Client authentication state.
pub(crate) struct ClientAuth {
    state: State,
}

impl ClientAuth {
    pub(crate) fn new() -> Self {
        Self {
            state: State::NotStarted,
        }
    }

    /// After the first key exchange: ask for the ssh-userauth service.
    pub(crate) fn start(&mut self, t: &mut Transport) {
        if self.state == State::NotStarted {
            t.send(|b| {
                Service {
                    name: SERVICE_USERAUTH,
                }
                .write(b, number::SERVICE_REQUEST)
            });
            self.state = State::ExpectServiceAccept;
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.state == State::Done
    }

    fn send(
        &mut self,
        t: &mut Transport,
        user: &str,
        method: MethodRequest<'_>,
        asked: Asked,
    ) -> Result<(), Error> {
        if self.state != State::Ready {
            return Err(ApiMisuse::NothingPending("authentication turn").into());
        }
        let request = UserauthRequest {
            user,
            service: SERVICE_CONNECTION,
            method,
        };
        t.send(|b| request.write(b));
        self.state = State::ExpectResult(asked);
        Ok(())
    }

    pub(crate) fn none(&mut self, t: &mut Transport, user: &str) -> Result<(), Error> {
        self.send(t, user, MethodRequest::None, Asked::Other)
    }

    pub(crate) fn password(
        &mut self,
        t: &mut Transport,
        user: &str,
        password: &[u8],
        new: Option<&[u8]>,
    ) -> Result<(), Error> {
        self.send(
            t,
            user,
            MethodRequest::Password {
                password,
                new_password: new,
            },
            Asked::Password,
        )
    }

    pub(crate) fn publickey_query(
        &mut self,
        t: &mut Transport,
        user: &str,
        algorithm: &str,
        key: &[u8],
    ) -> Result<(), Error> {
        self.send(
            t,
            user,
            MethodRequest::PublicKey {
                algorithm,
                key,
                signature: None,
            },
            Asked::PublicKeyQuery,
        )
    }

    pub(crate) fn publickey_signed(
        &mut self,
        t: &mut Transport,
        user: &str,
        algorithm: &str,
        key: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        self.send(
            t,
            user,
            MethodRequest::PublicKey {
                algorithm,
                key,
                signature: Some(signature),
            },
            Asked::Other,
        )
    }

    pub(crate) fn keyboard_interactive(
        &mut self,
        t: &mut Transport,
        user: &str,
        submethods: &str,
    ) -> Result<(), Error> {
        self.send(
            t,
            user,
            MethodRequest::KeyboardInteractive { submethods },
            Asked::KeyboardInteractive,
        )
    }

    pub(crate) fn info_response<S: AsRef<[u8]>>(
        &mut self,
        t: &mut Transport,
        responses: &[S],
    ) -> Result<(), Error> {
        if self.state != State::ExpectResult(Asked::KeyboardInteractive) {
            return Err(ApiMisuse::NothingPending("keyboard-interactive prompt").into());
        }
        t.send(|b| InfoResponse::write(b, responses));
        Ok(())
    }

    /// The data a publickey signature must cover.
    pub(crate) fn signed_data(
        session_id: &[u8],
        user: &str,
        algorithm: &str,
        key: &[u8],
    ) -> Vec<u8> {
        publickey_signed_data(session_id, user, SERVICE_CONNECTION, algorithm, key)
    }

    /// Handles SERVICE_ACCEPT and messages 50–79.
    pub(crate) fn handle(
        &mut self,
        events: &mut VecDeque<Event>,
        payload: &[u8],
    ) -> Result<(), Error> {
        let got = payload.first().copied().unwrap_or(0);
        let mut r = Reader::new(payload.get(1..).unwrap_or_default());
        let unexpected = || {
            Error::from(PeerMisbehaved::UnexpectedMessage {
                expected: "authentication reply",
                got,
            })
        };
        match (got, self.state) {
            (number::SERVICE_ACCEPT, State::ExpectServiceAccept) => {
                let service = Service::read(&mut r)?;
                if service.name != SERVICE_USERAUTH {
                    return Err(unexpected());
                }
                self.state = State::Ready;
                events.push_back(Event::UserauthReady);
            }
            (
                number::USERAUTH_BANNER,
                State::ExpectServiceAccept | State::Ready | State::ExpectResult(_),
            ) => {
                let banner = UserauthBanner::read(&mut r)?;
                events.push_back(Event::AuthBanner {
                    message: banner.message.to_owned(),
                });
            }
            (number::USERAUTH_FAILURE, State::ExpectResult(_)) => {
                let failure = UserauthFailure::read(&mut r)?;
                self.state = State::Ready;
                events.push_back(Event::AuthFailure {
                    methods: failure.methods.iter().map(str::to_owned).collect(),
                    partial_success: failure.partial_success,
                });
            }
            (number::USERAUTH_SUCCESS, State::ExpectResult(_)) => {
                r.finish("userauth success")?;
                self.state = State::Done;
                events.push_back(Event::Authenticated);
            }
            (60, State::ExpectResult(Asked::PublicKeyQuery)) => {
                let ok = UserauthPkOk::read(&mut r)?;
                self.state = State::Ready;
                events.push_back(Event::AuthPkOk {
                    algorithm: ok.algorithm.to_owned(),
                    key: ok.key.to_vec(),
                });
            }
            (60, State::ExpectResult(Asked::KeyboardInteractive)) => {
                let req = InfoRequest::read(&mut r)?;
                events.push_back(Event::AuthInfoRequest {
                    name: req.name.to_owned(),
                    instruction: req.instruction.to_owned(),
                    prompts: req
                        .prompts
                        .iter()
                        .map(|p| InfoPrompt {
                            prompt: p.text.to_owned(),
                            echo: p.echo,
                        })
                        .collect(),
                });
            }
            (60, State::ExpectResult(Asked::Password)) => {
                let req = PasswdChangeReq::read(&mut r)?;
                self.state = State::Ready;
                events.push_back(Event::AuthPasswordChange {
                    prompt: req.prompt.to_owned(),
                });
            }
            _ => return Err(unexpected()),
        }
        Ok(())
    }
}

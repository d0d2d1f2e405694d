//! The server's side of user authentication. The core parses requests, verifies publickey signatures
//! over the session identifier, enforces MaxAuthTries and refuses a change of user name; whether a user
//! may log in with a given password or key is asked of the application. While a decision is pending, no
//! further input is processed, so a client cannot race ahead of the decision.
//!
//! A client can never make us send USERAUTH_SUCCESS except through `accept`: the libssh bypass
//! (CVE-2018-10933) came from a server that accepted a client-sent USERAUTH_SUCCESS, and here any
//! message outside the requests a server expects is a protocol error.

use std::collections::VecDeque;

use oxssh_keys::{PublicKey, SignatureAlgorithm};
use oxssh_wire::Reader;
use zeroize::Zeroizing;

use crate::config::ServerConfig;
use crate::error::{ApiMisuse, Error, PeerIncompatible, PeerMisbehaved};
use crate::event::{AuthMethod, Event, InfoPrompt};
use crate::msg::number;
use crate::msg::transport::Service;
use crate::msg::userauth::{
    InfoRequest, InfoResponse, MethodRequest, Prompt, SERVICE_CONNECTION, SERVICE_USERAUTH,
    UserauthBanner, UserauthFailure, UserauthPkOk, UserauthRequest, method, publickey_signed_data,
};
use crate::transport::Transport;

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    ExpectServiceRequest,
    ExpectRequest,
    /// The application decides on this request.
    Deciding(Deciding),
    /// We sent keyboard-interactive prompts.
    ExpectInfoResponse,
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Deciding {
    /// Accepting sends PK_OK, not success.
    PublicKeyQuery {
        algorithm: String,
        key: Vec<u8>,
    },
    /// The first "none" request does not count as a failure (clients use it to learn the methods).
    FirstNone,
    KeyboardInteractive,
    Other,
}

/// Server authentication state.
pub(crate) struct ServerAuth {
    state: State,
    user: Option<String>,
    failures: u32,
    attempts: u32,
}

impl ServerAuth {
    pub(crate) fn new() -> Self {
        Self {
            state: State::ExpectServiceRequest,
            user: None,
            failures: 0,
            attempts: 0,
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Whether the application owes a decision (input processing pauses meanwhile).
    pub(crate) fn is_deciding(&self) -> bool {
        matches!(self.state, State::Deciding(_))
    }

    /// The user name of the requests so far.
    pub(crate) fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// Handles SERVICE_REQUEST, USERAUTH_REQUEST and INFO_RESPONSE.
    pub(crate) fn handle(
        &mut self,
        t: &mut Transport,
        events: &mut VecDeque<Event>,
        config: &ServerConfig,
        session_id: &[u8],
        payload: &[u8],
    ) -> Result<(), Error> {
        let got = payload.first().copied().unwrap_or(0);
        let mut r = Reader::new(payload.get(1..).unwrap_or_default());
        match (got, &self.state) {
            (number::SERVICE_REQUEST, State::ExpectServiceRequest) => {
                let service = Service::read(&mut r)?;
                if service.name != SERVICE_USERAUTH {
                    return Err(PeerIncompatible::ServiceNotAvailable.into());
                }
                t.send(|b| {
                    Service {
                        name: SERVICE_USERAUTH,
                    }
                    .write(b, number::SERVICE_ACCEPT)
                });
                self.state = State::ExpectRequest;
                Ok(())
            }
            // A new request abandons a keyboard-interactive exchange (RFC 4256 §3.4 lets clients do so).
            (number::USERAUTH_REQUEST, State::ExpectRequest | State::ExpectInfoResponse) => {
                let request = UserauthRequest::read(&mut r)?;
                self.handle_request(t, events, config, session_id, &request)
            }
            (number::USERAUTH_INFO_RESPONSE, State::ExpectInfoResponse) => {
                let response = InfoResponse::read(&mut r)?;
                let responses = response
                    .responses
                    .iter()
                    .map(|r| Zeroizing::new(r.to_vec()))
                    .collect();
                self.state = State::Deciding(Deciding::KeyboardInteractive);
                events.push_back(Event::AuthInfoResponse {
                    user: self.user.clone().unwrap_or_default(),
                    responses,
                });
                Ok(())
            }
            _ => Err(PeerMisbehaved::UnexpectedMessage {
                expected: "authentication request",
                got,
            }
            .into()),
        }
    }

    fn handle_request(
        &mut self,
        t: &mut Transport,
        events: &mut VecDeque<Event>,
        config: &ServerConfig,
        session_id: &[u8],
        request: &UserauthRequest<'_>,
    ) -> Result<(), Error> {
        if request.service != SERVICE_CONNECTION {
            return Err(PeerIncompatible::ServiceNotAvailable.into());
        }
        match &self.user {
            // OpenSSH: "Change of username or service not allowed".
            Some(user) if user != request.user => {
                return Err(
                    PeerMisbehaved::ProtocolViolation("change of username not allowed").into(),
                );
            }
            Some(_) => {}
            None => self.user = Some(request.user.to_owned()),
        }
        self.attempts += 1;
        let user = request.user.to_owned();
        let (deciding, auth_method) = match &request.method {
            MethodRequest::None => {
                let kind = if self.attempts == 1 {
                    Deciding::FirstNone
                } else {
                    Deciding::Other
                };
                (kind, AuthMethod::None)
            }
            MethodRequest::Password {
                password,
                new_password,
            } => (
                Deciding::Other,
                AuthMethod::Password {
                    password: Zeroizing::new(password.to_vec()),
                    new_password: new_password.map(|p| Zeroizing::new(p.to_vec())),
                },
            ),
            MethodRequest::PublicKey {
                algorithm,
                key,
                signature,
            } => {
                let Some((alg, public)) = Self::acceptable_key(config, algorithm, key) else {
                    return self.reject_unasked(t, events, config, user, method::PUBLICKEY);
                };
                match signature {
                    None => (
                        Deciding::PublicKeyQuery {
                            algorithm: (*algorithm).to_owned(),
                            key: key.to_vec(),
                        },
                        AuthMethod::PublicKeyQuery {
                            algorithm: alg,
                            key: public,
                        },
                    ),
                    Some(signature) => {
                        let signed = publickey_signed_data(
                            session_id,
                            request.user,
                            request.service,
                            algorithm,
                            key,
                        );
                        if public.verify(alg, &signed, signature).is_err() {
                            return self.reject_unasked(t, events, config, user, method::PUBLICKEY);
                        }
                        (
                            Deciding::Other,
                            AuthMethod::PublicKey {
                                algorithm: alg,
                                key: public,
                            },
                        )
                    }
                }
            }
            MethodRequest::KeyboardInteractive { submethods } => (
                Deciding::KeyboardInteractive,
                AuthMethod::KeyboardInteractive {
                    submethods: (*submethods).to_owned(),
                },
            ),
            MethodRequest::Other(name) => {
                return self.reject_unasked(t, events, config, user, name);
            }
        };
        self.state = State::Deciding(deciding);
        events.push_back(Event::AuthRequest {
            user,
            method: auth_method,
        });
        Ok(())
    }

    /// The key and algorithm, if the algorithm is accepted by configuration and matches the key.
    fn acceptable_key(
        config: &ServerConfig,
        algorithm: &str,
        key: &[u8],
    ) -> Option<(SignatureAlgorithm, PublicKey)> {
        if !config.pubkey_algorithms.iter().any(|a| a == algorithm) {
            return None;
        }
        let alg = SignatureAlgorithm::from_name(algorithm)?;
        let public = PublicKey::from_blob(key).ok()?;
        (public.key_type() == alg.key_type()).then_some((alg, public))
    }

    fn reject_unasked(
        &mut self,
        t: &mut Transport,
        events: &mut VecDeque<Event>,
        config: &ServerConfig,
        user: String,
        method: &str,
    ) -> Result<(), Error> {
        events.push_back(Event::AuthRejected {
            user,
            method: method.to_owned(),
        });
        self.state = State::Deciding(Deciding::Other);
        self.reject(t, config, None, false)
    }

    /// Accepts the pending request: success, or PK_OK for a publickey query.
    pub(crate) fn accept(
        &mut self,
        t: &mut Transport,
        events: &mut VecDeque<Event>,
    ) -> Result<(), Error> {
        match std::mem::replace(&mut self.state, State::ExpectRequest) {
            State::Deciding(Deciding::PublicKeyQuery { algorithm, key }) => {
                t.send(|b| {
                    UserauthPkOk {
                        algorithm: &algorithm,
                        key: &key,
                    }
                    .write(b)
                });
            }
            State::Deciding(_) => {
                t.send(|b| b.extend_from_slice(&[number::USERAUTH_SUCCESS]));
                self.state = State::Done;
                events.push_back(Event::Authenticated);
            }
            other => {
                self.state = other;
                return Err(ApiMisuse::NothingPending("authentication decision").into());
            }
        }
        Ok(())
    }

    /// Refuses the pending request. `methods` overrides the configured list (for AuthenticationMethods
    /// chains); `partial` reports a successful step of a multi-step login.
    pub(crate) fn reject(
        &mut self,
        t: &mut Transport,
        config: &ServerConfig,
        methods: Option<&[&str]>,
        partial: bool,
    ) -> Result<(), Error> {
        let State::Deciding(deciding) = std::mem::replace(&mut self.state, State::ExpectRequest)
        else {
            return Err(ApiMisuse::NothingPending("authentication decision").into());
        };
        // OpenSSH (auth2.c userauth_finish) does not count the first "none" nor partial successes.
        if deciding != Deciding::FirstNone && !partial {
            self.failures += 1;
        }
        if self.failures >= config.max_auth_tries {
            return Err(PeerIncompatible::TooManyAuthFailures.into());
        }
        let configured: Vec<&str> = config.auth_methods.iter().map(String::as_str).collect();
        let methods = methods.unwrap_or(&configured);
        t.send(|b| UserauthFailure::write(b, methods, partial));
        Ok(())
    }

    /// Sends keyboard-interactive prompts for the pending keyboard-interactive request.
    pub(crate) fn ask_info(
        &mut self,
        t: &mut Transport,
        name: &str,
        instruction: &str,
        prompts: &[InfoPrompt],
    ) -> Result<(), Error> {
        if self.state != State::Deciding(Deciding::KeyboardInteractive) {
            return Err(ApiMisuse::NothingPending("keyboard-interactive request").into());
        }
        let request = InfoRequest {
            name,
            instruction,
            prompts: prompts
                .iter()
                .map(|p| Prompt {
                    text: &p.prompt,
                    echo: p.echo,
                })
                .collect(),
        };
        t.send(|b| request.write(b));
        self.state = State::ExpectInfoResponse;
        Ok(())
    }

    /// Sends a banner (allowed any time before success, RFC 4252 §5.4).
    pub(crate) fn banner(&mut self, t: &mut Transport, message: &str) -> Result<(), Error> {
        if self.state == State::Done {
            return Err(ApiMisuse::NothingPending("authentication").into());
        }
        t.send(|b| UserauthBanner { message }.write(b));
        Ok(())
    }
}

//! [`ResponseFuture`]: either a served mock (boxed) or the inner service's future (not boxed).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http::Response;
use http_body_util::{Either, Full};
use pin_project_lite::pin_project;

/// The body of a [`crate::MockService`] response: a mock's bytes, or the inner service's body.
pub type ResponseBody<B> = Either<Full<Bytes>, B>;

pin_project! {
    /// The future of [`crate::MockService::call`].
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        Mocked { fut: BoxFuture<'static, Response<Full<Bytes>>> },
        Inner { #[pin] fut: F },
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn mocked(fut: BoxFuture<'static, Response<Full<Bytes>>>) -> Self {
        ResponseFuture {
            kind: Kind::Mocked { fut },
        }
    }

    pub(crate) fn inner(fut: F) -> Self {
        ResponseFuture {
            kind: Kind::Inner { fut },
        }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<ResponseBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Mocked { fut } => fut.as_mut().poll(cx).map(|res| Ok(res.map(Either::Left))),
            KindProj::Inner { fut } => fut.poll(cx).map(|r| r.map(|res| res.map(Either::Right))),
        }
    }
}

impl<F> std::fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

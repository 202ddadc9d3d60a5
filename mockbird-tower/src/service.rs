//! [`MockService`]: answers requests that match a mock, passes the rest on.

use std::convert::Infallible;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use mockbird_core::routing::Route;
use tower_service::Service;

use crate::MockSet;
use crate::future::{ResponseBody, ResponseFuture};
use crate::respond::{json_error, read_request, respond};

/// A tower service serving mocks in front of `S`. A request whose method and
/// path match a mock is answered by MockBird (its body read, up to 10 MiB);
/// every other request goes to `S` untouched, at the cost of one route lookup.
#[derive(Debug, Clone)]
pub struct MockService<S> {
    inner: S,
    mocks: MockSet,
    standalone: bool,
}

impl<S> MockService<S> {
    /// Serves `mocks` in front of `inner`.
    pub fn new(inner: S, mocks: MockSet) -> Self {
        MockService {
            inner,
            mocks,
            standalone: false,
        }
    }

    /// The mocks served.
    pub fn mocks(&self) -> &MockSet {
        &self.mocks
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Unwraps the inner service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl MockService<NotFound> {
    /// A service of mocks alone: unknown paths get 404 `MOCK_NOT_FOUND`, paths
    /// known for other methods 405 with `Allow`.
    pub fn standalone(mocks: MockSet) -> Self {
        MockService {
            inner: NotFound,
            mocks,
            standalone: true,
        }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for MockService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ReqBody: http_body::Body + Send + 'static,
    ReqBody::Data: Send,
    ReqBody::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let engine = self.mocks.current();
        let pass = match engine.route(req.method(), req.uri().path()) {
            Route::Found { .. } => false,
            Route::MethodNotAllowed(_) | Route::NotFound => !self.standalone,
        };
        if pass {
            return ResponseFuture::inner(self.inner.call(req));
        }
        ResponseFuture::mocked(Box::pin(async move {
            match read_request(req).await {
                Ok(request) => respond(engine.handle(&request)).await,
                Err(response) => response,
            }
        }))
    }
}

/// The service behind [`MockService::standalone`]: answers 404 JSON.
#[derive(Debug, Clone, Copy, Default)]
pub struct NotFound;

impl<B> Service<Request<B>> for NotFound {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = std::future::Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Request<B>) -> Self::Future {
        std::future::ready(Ok(json_error(
            StatusCode::NOT_FOUND,
            "MOCK_NOT_FOUND",
            "No mock matches this path",
        )))
    }
}

"""Digital signatures: "Kiểm tra chữ ký số" (any user checks a signed PDF) and "Chứng thư số của tôi" (a user's
own certificate: see it, upload a PKCS#12 with its passphrase). Issue 7, HN-8.4, HCM-3.4, HCM-9.4.

Views parse the request, call one ``app.signing`` function through the kit's :func:`views.kit.attempt`, and
render or flash the result.
"""

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import FileField, PasswordField

from app import pki, signing
from app.security.permissions import (
    MENU_MY_CERTIFICATE,
    MENU_SIGNATURES,
    MENU_VERIFY_PDF,
    READ,
    RESOURCE_SIGNATURE,
    WRITE,
)
from views.forms import VNForm
from views.kit import attempt

__all__ = ["CertificateForm", "MyCertificateView", "VerifyForm", "VerifyPdfView", "register"]


class VerifyForm(VNForm):
    """Tệp PDF cần kiểm tra."""

    pdf = FileField(_l("Tệp PDF đã ký"), render_kw={"accept": ".pdf,application/pdf"})


class CertificateForm(VNForm):
    """Tải lên chứng thư số PKCS#12."""

    file = FileField(_l("Tệp chứng thư số (.p12, .pfx)"))
    passphrase = PasswordField(_l("Mật khẩu của tệp chứng thư số"))


def _upload(name: str) -> tuple[bytes, str | None]:
    """The uploaded file's content and name (empty when none was sent)."""
    upload = request.files.get(name)
    return (upload.read(), upload.filename) if upload else (b"", None)


class VerifyPdfView(BaseView):
    """Upload a PDF and see each signature: signer, times, chain, integrity, changes after signing."""

    route_base = "/signatures/verify"
    default_view = "verify"
    class_permission_name = RESOURCE_SIGNATURE
    method_permission_name = {"verify": READ}
    base_permissions = ["can_" + READ]
    form_id = "verify-form"
    form_intro = _l("Tải lên một tệp PDF đã ký số để xem từng chữ ký: người ký, thời điểm ký, chuỗi chứng thư, tính "
                    "toàn vẹn và tài liệu có bị sửa đổi sau khi ký hay không. Tệp không được lưu lại.")

    @expose("/", methods=["GET", "POST"])
    @has_access
    def verify(self):
        """GET: the upload form. POST: the report of every signature of the uploaded PDF."""
        form = VerifyForm()

        def render(errors, reports=None):
            return self.render_template(
                "signatures/verify.html", title=_("Kiểm tra chữ ký số"), view=self, form=form, errors=errors,
                submit_label=_("Kiểm tra"), multipart=True, back_url=False, reports=reports,
                valid=bool(reports) and all(r.bottom_line for r in reports), fmt=pki.format_time)

        if request.method == "GET":
            return render({})
        return attempt(form, lambda: render({}, signing.verify_uploaded_pdf(g.user, _upload("pdf")[0])), render)


class MyCertificateView(BaseView):
    """The signed-in user's certificate: subject, issuer, validity, status; upload a new PKCS#12."""

    route_base = "/signatures/my-certificate"
    default_view = "show"
    class_permission_name = RESOURCE_SIGNATURE
    method_permission_name = {"show": READ, "upload": WRITE}
    base_permissions = ["can_" + READ, "can_" + WRITE]
    form_id = "certificate-form"
    form_intro = _l("Tệp .p12/.pfx được kiểm tra (mật khẩu, thời hạn, mục đích ký văn bản, tình trạng thu hồi) rồi lưu "
                    "ở dạng mã hóa; mật khẩu không được lưu, bạn nhập lại mỗi khi ký. Chứng thư số mới thay thế chứng "
                    "thư số hiện tại.")

    def _render(self, form, errors):
        cred = signing.active_credential(g.user)
        code, problems = signing.credential_status(cred)
        return self.render_template(
            "signatures/my_certificate.html", title=_("Chứng thư số của tôi"), view=self, form=form, errors=errors,
            submit_label=_("Lưu chứng thư số"), multipart=True, back_url=False,
            form_action=url_for("MyCertificateView.upload"), cred=cred, code=code, problems=problems,
            info=pki.cert_info(cred.certificate) if cred else None, fmt=pki.format_time)

    @expose("/")
    @has_access
    def show(self):
        """The current certificate and the upload form."""
        return self._render(CertificateForm(), {})

    @expose("/upload", methods=["POST"])
    @has_access
    def upload(self):
        """Replace one's certificate with an uploaded PKCS#12 (passphrase, validity, nonRepudiation, CRL)."""
        form = CertificateForm()

        def store():
            content, filename = _upload("file")
            signing.store_pkcs12(g.user, content, form.passphrase.data, actor=g.user, label=filename)
            flash(_("Đã lưu chứng thư số mới; chứng thư số cũ (nếu có) không còn được dùng để ký."), "success")
            return redirect(url_for("MyCertificateView.show"))

        return attempt(form, store, lambda errors: self._render(form, errors), forbidden_field="__all__")


def register(appbuilder) -> None:
    """Menus under "Chữ ký số"."""
    appbuilder.add_view(VerifyPdfView, MENU_VERIFY_PDF, label=_l("Kiểm tra chữ ký số"), icon="fa-check-square-o",
                        category=MENU_SIGNATURES, category_label=_l("Chữ ký số"), category_icon="fa-pencil-square-o")
    appbuilder.add_view(MyCertificateView, MENU_MY_CERTIFICATE, label=_l("Chứng thư số của tôi"),
                        icon="fa-id-card-o", category=MENU_SIGNATURES)
